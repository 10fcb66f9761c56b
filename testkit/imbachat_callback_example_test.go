package testkit_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/chatemu/chatemu/testkit"
)

// Your site's "Users info URL" answers ImbaChat's profile lookups. Here a
// stand-in for the WordPress plugin's route answers them; the widget's
// seed names it (with {ids} where the ids go) and the Basic credentials
// ImbaChat calls it with. A room created with users_ids 5 and 6 makes
// chatemu ask the site about them once the request has been answered;
// WaitDelivery waits for that call, and get_users then shows the profiles
// the site gave. In a test, pass t where the example passes its exampleTB.
func ExampleImbaChat_UsersInfoCalls() {
	t := &exampleTB{}
	defer t.done()

	// The site: GET /wp-json/imbachat/v1/getusers/5,6 with Basic
	// site-api:site-pass answers a JSON array of profiles.
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if login, password, ok := r.BasicAuth(); !ok || login != "site-api" || password != "site-pass" {
			w.Header().Set("WWW-Authenticate", `Basic realm="Backend"`)
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"code":401,"version":1.0,"error":"Authenticate required!","debug":""}`))
			return
		}
		names := map[string]string{"5": "Ann", "6": "Bob"}
		profiles := []map[string]any{}
		ids := strings.TrimPrefix(r.URL.Path, "/wp-json/imbachat/v1/getusers/")
		for _, id := range strings.Split(ids, ",") {
			if name, ok := names[id]; ok { // unknown ids are skipped
				profiles = append(profiles, map[string]any{"user_id": id, "name": name,
					"avatar_url": "https://site.example/" + id + ".png", "chat_role": "user", "permissions": false})
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(profiles)
	}))
	defer site.Close()

	emu := testkit.Start(t, testkit.WithSeedData([]byte(`{"imbachat": {"widgets": [{
		"imba_id": 700, "secret_key": "sk700", "login": "admin", "password": "admin",
		"users_info_url": "`+site.URL+`/wp-json/imbachat/v1/getusers/{ids}",
		"api_login": "site-api", "api_password": "site-pass"}]}}`)))

	// The code under test creates a room (spec 1.1).
	form := url.Values{"imba_id": {"700"}, "login": {"admin"}, "password": {"admin"},
		"users_ids[0]": {"5"}, "users_ids[1]": {"6"}, "room_title": {"Support"}}
	resp, err := emu.Client().PostForm(emu.ImbaChatURL()+"/imbachat/v1/widget/imba_rooms", form)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()

	// ImbaChat asked the site; the journal holds the call.
	call := emu.WaitDelivery(t, emu.ImbaChat().UsersInfoCalls(700))
	fmt.Println(call.Method, strings.TrimPrefix(call.URL, site.URL), call.Outcome, call.Status)

	// get_users shows what the site answered.
	req, _ := http.NewRequest(http.MethodPost, emu.ImbaChatURL()+"/imbachat/v2/700/get_users", nil)
	req.SetBasicAuth("700", "sk700")
	resp, err = emu.Client().Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var users struct {
		Data []struct {
			RemoteUserID string `json:"remote_user_id"`
			AvatarURL    string `json:"avatar_url"`
			UserData     struct {
				Name string `json:"name"`
			} `json:"user_data"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&users); err != nil {
		panic(err)
	}
	for _, u := range users.Data {
		fmt.Println(u.RemoteUserID, u.UserData.Name, u.AvatarURL)
	}
	fmt.Println(emu.ImbaChat().User(t, 700, "6").Name)
	// Output:
	// GET /wp-json/imbachat/v1/getusers/5,6 delivered 200
	// 5 Ann https://site.example/5.png
	// 6 Bob https://site.example/6.png
	// Bob
}
