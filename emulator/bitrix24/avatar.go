package bitrix24

import (
	"bytes"
	"encoding/base64"
	"image"
	_ "image/gif"  // chat avatars may be GIF
	_ "image/jpeg" // or JPEG
	_ "image/png"  // or PNG
	"strings"
	"time"

	"github.com/chatemu/chatemu/internal/core"
)

// maxAvatarSide is the largest width and height an avatar may have.
const maxAvatarSide = 5000

// decodeAvatar checks an AVATAR parameter as imbot.chat.updateAvatar does:
// base64 text, or a [file name, base64] pair; the bytes must decode as an
// image (AVATAR_ERROR "Avatar incorrect type") no larger than 5000x5000
// (AVATAR_ERROR "Avatar incorrect size (max 5000x5000)"). PNG, JPEG and
// GIF are recognised.
func decodeAvatar(v *core.Value, now time.Time) (*avatar, error) {
	errType := methodError("AVATAR_ERROR", "Avatar incorrect type")
	if v.IsTree() {
		v = v.Lookup("1") // [file name, content]
	}
	if v == nil || v.IsTree() {
		return nil, errType
	}
	text := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, v.String())
	var data []byte
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if d, err := enc.DecodeString(text); err == nil {
			data = d
			break
		}
	}
	if len(data) == 0 {
		return nil, errType
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, errType
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > maxAvatarSide || cfg.Height > maxAvatarSide {
		return nil, methodError("AVATAR_ERROR", "Avatar incorrect size (max 5000x5000)")
	}
	return &avatar{MIME: "image/" + format, Data: data, Width: cfg.Width, Height: cfg.Height, UpdatedAt: now}, nil
}
