package imbachat

import (
	"strconv"
	"time"

	"github.com/chatemu/chatemu/emulator/core"
)

// storeRoom stores r as tx.Put would, encoding it by hand: imba_rooms writes
// a room inside the write transaction on every call, where the
// reflection-driven encoder was a tenth of the time the store's single
// writer lock was held. The text is the one encoding/json writes (a test
// checks it byte for byte); a room that only encoding/json can encode, or
// fail to (a time outside RFC 3339's years), goes through tx.Put.
func storeRoom(tx *core.Tx, r *room) error {
	raw, ok := r.appendJSON(make([]byte, 0, 320+24*len(r.Members)))
	if !ok {
		return tx.Put(roomKey(r.ID), r)
	}
	return tx.PutRaw(roomKey(r.ID), string(raw))
}

// appendJSON appends r as encoding/json encodes it; ok is false when a
// time cannot be encoded (then encoding/json fails too: a year outside
// 0-9999, a zone offset of 24 hours or more).
func (r *room) appendJSON(b []byte) (_ []byte, ok bool) {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, r.ID, 10)
	b = append(b, `,"imba_id":`...)
	b = strconv.AppendInt(b, r.ImbaID, 10)
	b = append(b, `,"pipe":`...)
	b = core.AppendJSONString(b, r.Pipe)
	b = append(b, `,"name":`...)
	b = core.AppendJSONString(b, r.Name)
	b = append(b, `,"admin_id":`...)
	b = strconv.AppendInt(b, r.AdminID, 10)
	b = append(b, `,"type":`...)
	b = strconv.AppendInt(b, int64(r.Type), 10)
	b = append(b, `,"tab":`...)
	b = strconv.AppendInt(b, int64(r.Tab), 10)
	b = append(b, `,"is_public":`...)
	b = strconv.AppendInt(b, int64(r.IsPublic), 10)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(r.Status), 10)
	b = append(b, `,"banned":`...)
	b = strconv.AppendBool(b, r.Banned)
	b = append(b, `,"members":`...)
	if r.Members == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, m := range r.Members {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, m, 10)
		}
		b = append(b, ']')
	}
	b = append(b, `,"created_at":`...)
	if b, ok = appendJSONTime(b, &r.CreatedAt); !ok {
		return nil, false
	}
	b = append(b, `,"updated_at":`...)
	if b, ok = appendJSONTime(b, &r.UpdatedAt); !ok {
		return nil, false
	}
	b = append(b, `,"deleted_at":`...)
	if b, ok = appendJSONTime(b, r.DeletedAt); !ok {
		return nil, false
	}
	b = append(b, `,"last_message_at":`...)
	if b, ok = appendJSONTime(b, r.LastMessageAt); !ok {
		return nil, false
	}
	return append(b, '}'), true
}

// appendJSONTime appends t as encoding/json encodes a time (nil: null).
func appendJSONTime(b []byte, t *time.Time) ([]byte, bool) {
	if t == nil {
		return append(b, "null"...), true
	}
	b = append(b, '"')
	b, err := t.AppendText(b) // what MarshalJSON quotes, failing alike
	if err != nil {
		return nil, false
	}
	return append(b, '"'), true
}
