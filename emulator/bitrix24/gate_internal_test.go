package bitrix24

import (
	"encoding/json"
	"testing"

	"github.com/tidwall/gjson"
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
		// encoding/json matches names in any case and keeps the last of
		// repeated keys; gjson does neither, so these must be declined.
		`{"id":50,"portal":"default","General":true}`,
		`{"id":50,"portal":"default","general":false,"general":true}`,
		`{"id":51,"portal":"default","locks":{"Extend":true}}`,
		`{"id":51,"portal":"default","locks":{"extend":false,"extend":true}}`,
		`{"id":53,"portal":"default","Members":[1,2]}`,
		`{"ID":54,"portal":"default"}`,
		`{"id":55,"portal":"default","Portal":"other"}`,
		`{"id":56,"portal":"default","gen\u0065ral":true}`,
	}
	for _, raw := range docs {
		var full chat
		err := json.Unmarshal([]byte(raw), &full)
		g := chatGate(raw)
		switch {
		case g == nil:
			doc := gjson.Parse(raw)
			plain := exactFields(doc, "id", "portal", "general", "locks", "members") && exactFields(doc.Get("locks"), "extend")
			if err == nil && full.Members == nil && full.ID != 0 && plain {
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
		`{"id":9,"ACTIVE":true,"name":"Upper"}`,
		`{"id":10,"active":false,"active":true}`,
		`{"id":11,"Name":"A","name":"B"}`,
	}
	for _, raw := range docs {
		var u user
		err := json.Unmarshal([]byte(raw), &u)
		m, ok := userMemberOf(raw)
		switch {
		case err != nil && ok:
			t.Errorf("userMemberOf(%s) read a user that decoding refuses: %v", raw, err)
		case err == nil && !ok && exactFields(gjson.Parse(raw), "name", "last_name", "active", "extranet", "connector"):
			t.Errorf("userMemberOf(%s) declined a plainly spelt user that decodes", raw)
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

func TestMemberOfAgreesWithDecoding(t *testing.T) {
	t.Parallel()
	docs := []string{
		`{"portal":"default","chat_id":13,"user_id":1,"order":7}`,
		`{"user_id":2}`,
		`{"user_id":3,"order":null}`,
		`{"user_id":4,"order":-2}`,
		`{"User_ID":5,"order":1}`,
		`{"user_id":6,"user_id":7,"order":1}`,
		`{"user_id":8,"Order":3}`,
		`{"user_id":"9","order":1}`,
		`{"user_id":10.5,"order":1}`,
		`{"user_id":11,"order":"x"}`,
		`{"user_id":null,"order":1}`,
		`{"user_id":12,"order":1`,
		`{}`,
	}
	for _, raw := range docs {
		var m chatMember
		err := json.Unmarshal([]byte(raw), &m)
		got, ok := memberOf(raw)
		switch {
		case err != nil && ok:
			t.Errorf("memberOf(%s) read a document that decoding refuses: %v", raw, err)
		case ok && (got.UserID != m.UserID || got.Order != m.Order):
			t.Errorf("memberOf(%s) = user %d order %d, decoding gives %d %d", raw, got.UserID, got.Order, m.UserID, m.Order)
		}
	}
}
