package bitrix24

// palette is the chat colours of imbot.chat.add and imbot.chat.updateColor
// (vendor page "Chat color update": RED ... GRAPHITE) with the hex values
// chat objects report (modules/im/lib/color.php).
var palette = []struct{ code, hex string }{
	{"RED", "#df532d"},
	{"GREEN", "#aac337"},
	{"MINT", "#4ba984"},
	{"LIGHT_BLUE", "#6fc8e5"},
	{"DARK_BLUE", "#3e99ce"},
	{"PURPLE", "#8474c8"},
	{"AQUA", "#1eb4aa"},
	{"PINK", "#e98fa6"},
	{"LIME", "#85cb7b"},
	{"BROWN", "#ab7761"},
	{"AZURE", "#29619b"},
	{"KHAKI", "#728f7a"},
	{"SAND", "#ba9c7b"},
	{"MARENGO", "#556574"},
	{"GRAY", "#77828e"},
	{"GRAPHITE", "#3a403e"},
}

// unsafeColors exist in the server's colour table but are refused by
// imbot.chat.updateColor (WRONG_COLOR): ORANGE is marked unsafe.
var unsafeColors = map[string]string{"ORANGE": "#e8a441"}

// colorHex returns a palette code's hex value; matching is case-sensitive,
// as the server's isset($colors[$code]) is.
func colorHex(code string) (string, bool) {
	for _, c := range palette {
		if c.code == code {
			return c.hex, true
		}
	}
	if h, ok := unsafeColors[code]; ok {
		return h, true
	}
	return "", false
}

// isSafeColor reports whether code may be set on a chat.
func isSafeColor(code string) bool {
	for _, c := range palette {
		if c.code == code {
			return true
		}
	}
	return false
}

// defaultColor is the colour of a chat created without a valid one: one of
// the first ten palette colours, chosen by the chat id (the server takes it
// from a global counter).
func defaultColor(chatID int64) string {
	i := chatID % 10
	if i < 0 {
		i = -i
	}
	return palette[i].code
}
