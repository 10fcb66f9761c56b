package bitrix24

import (
	"encoding/json"
	"testing"
)

// chatGate reads what imbot.chat.user.add needs exactly as decoding the
// whole chat would, and declines (nil) every document that decoding would
// refuse or that still holds a member list.
func TestChatGateAgreesWithDecoding(t *testing.T) {
	t.Parallel()
	docs := []string{
		`{"id":13,"portal":"default","type":"CHAT","title":"x","owner_id":39,"general":false,"locks":{},"created_at":"2024-01-01T00:00:00Z"}`,
		`{"id":50,"portal":"p:2","general":true,"locks":{"extend":true,"rename":true}}`,
		`{"id":51,"portal":"default","locks":{"extend":true}}`,
		`{"id":52,"portal":"default","general":null,"locks":null}`,
		`{"portal":"default","id":7}`,
		`{"id":53,"portal":"default","members":[1,2]}`,
		`{"id":54,"portal":"default","members":[]}`,
		`{"id":55,"portal":"default","members":null}`,
		`{"id":"13","portal":"default"}`,
		`{"id":13.5,"portal":"default"}`,
		`{"id":13,"portal":7}`,
		`{"id":13,"portal":"default","general":"yes"}`,
		`{"id":13,"portal":"default","locks":{"extend":1}}`,
		`{"id":13,"portal":"default","title":"unterminated}`,
		`{"id":13,"portal":"default"} trailing`,
		`{"id":13,"portal":"default","title":"\u00e9\"quoted\"","general":false}`,
		`[]`,
		`{}`,
	}
	for _, raw := range docs {
		var full chat
		err := json.Unmarshal([]byte(raw), &full)
		g := chatGate(raw)
		switch {
		case g == nil:
			if err == nil && full.Members == nil && full.ID != 0 && raw != `{}` {
				// Declining is always safe (the caller decodes), but a
				// plain chat should be read here.
				t.Errorf("chatGate(%s) declined a plain chat", raw)
			}
		case err != nil:
			t.Errorf("chatGate(%s) read a chat that decoding refuses: %v", raw, err)
		case full.Members != nil:
			t.Errorf("chatGate(%s) read a chat that holds a member list", raw)
		case g.ID != full.ID || g.Portal != full.Portal || g.General != full.General || g.Locks.Extend != full.Locks.Extend || !g.partial:
			t.Errorf("chatGate(%s) = %+v, decoding gives id %d portal %q general %v extend %v",
				raw, g, full.ID, full.Portal, full.General, full.Locks.Extend)
		}
	}
}

func TestUserMemberOfAgreesWithDecoding(t *testing.T) {
	t.Parallel()
	docs := []string{
		`{"id":1,"portal":"default","name":"John","last_name":"Doe","active":true}`,
		`{"id":2,"name":" Ann ","last_name":"","active":true,"extranet":true,"connector":false}`,
		`{"id":3,"active":false,"connector":true}`,
		`{"id":4,"name":null,"last_name":null,"active":null}`,
		`{"id":5,"name":"\u0416\"x\"","active":true}`,
		`{"id":6,"name":7,"active":true}`,
		`{"id":7,"active":"true"}`,
		`{"id":8,"name":"broken}`,
		`{}`,
	}
	for _, raw := range docs {
		var u user
		err := json.Unmarshal([]byte(raw), &u)
		m, ok := userMemberOf(raw)
		switch {
		case err != nil && ok:
			t.Errorf("userMemberOf(%s) read a user that decoding refuses: %v", raw, err)
		case err == nil && !ok:
			t.Errorf("userMemberOf(%s) declined a user that decodes", raw)
		case ok && m != userMember(&u):
			t.Errorf("userMemberOf(%s) = %+v, want %+v", raw, m, userMember(&u))
		}
	}
}

func TestPartialChatIsNeverStored(t *testing.T) {
	t.Parallel()
	if err := putChat(nil, &chat{ID: 13, Portal: "default", partial: true}); err == nil {
		t.Fatal("putChat stored a chat read in part")
	}
}
