package bitrix24

import (
	"strconv"

	"github.com/chatemu/chatemu/internal/core"
)

// callerClientID is the application a call acts for: the OAuth token's
// client id, or for a webhook the CLIENT_ID parameter (webhooks carry no
// application; reference §5, "CLIENT_ID"). A webhook without CLIENT_ID is
// refused with 403 ACCESS_DENIED "Access denied! Client ID not specified".
func callerClientID(c *call) (string, error) {
	if !c.p.Webhook {
		return c.p.ClientID, nil
	}
	a := c.args()
	if a.empty("CLIENT_ID") {
		return "", errNoClientID()
	}
	return a.str("CLIENT_ID"), nil
}

// botOf resolves the bot a call acts as (the server's getBotId): BOT_ID when
// sent (unknown: BOT_ID_ERROR; another application's: APP_ID_ERROR), else
// the first bot of the calling application (none: BOT_ID_ERROR).
func botOf(c *call) (*bot, error) {
	clientID, err := callerClientID(c)
	if err != nil {
		return nil, err
	}
	bots := c.p.Bots
	a := c.args()
	if a.isSet("BOT_ID") {
		key, ok := arrayKey(a.value("BOT_ID"))
		for i := range bots {
			if ok && strconv.FormatInt(bots[i].ID, 10) == key {
				if bots[i].ClientID != clientID {
					return nil, errOtherApp()
				}
				b := bots[i]
				return &b, nil
			}
		}
		return nil, errBotNotFound()
	}
	for i := range bots {
		if bots[i].ClientID == clientID {
			b := bots[i]
			return &b, nil
		}
	}
	return nil, errBotNotFound()
}

// arrayKey is the PHP array key a value looks up: integral numbers and
// canonical integer strings address integer keys; anything else ("39abc",
// "", an array) finds no bot.
func arrayKey(v *core.Value) (string, bool) {
	if v == nil || v.IsTree() {
		return "", false
	}
	s := v.String()
	if _, isString := v.Scalar().(string); !isString {
		return strconv.FormatInt(intval(v), 10), true
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || strconv.FormatInt(n, 10) != s {
		return "", false
	}
	return s, true
}
