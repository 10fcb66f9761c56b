package imbachat

import "github.com/chatemu/chatemu/internal/core"

// v1Envelope is the v1 (imba_rooms) success envelope: the result is the
// only element of "data".
type v1Envelope struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    []any  `json:"data"`
}

// v2Envelope is the v2 list envelope: "success" is the string "true".
type v2Envelope struct {
	Success string `json:"success"`
	Data    any    `json:"data"`
	Code    int    `json:"code"`
}

// v1OK is a v1 answer carrying result.
func v1OK(result any) *core.Response {
	return core.OK(v1Envelope{Code: 200, Message: "Success", Data: []any{result}})
}

// v2OK is a v2 list answer carrying list.
func v2OK(list any) *core.Response {
	return core.OK(v2Envelope{Success: "true", Data: list, Code: 200})
}

// sentResult is send_msg's answer: the message as stored.
type sentResult struct {
	Success bool          `json:"success"`
	Message MessageObject `json:"message"`
}

// sentOK is send_msg's answer carrying the message it stored.
func sentOK(msg MessageObject) *core.Response {
	return core.OK(sentResult{Success: true, Message: msg})
}
