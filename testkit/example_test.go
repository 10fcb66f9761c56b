package testkit_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/chatemu/chatemu/testkit"
)

// A client under test talks to the emulator instead of api.imbachat.com:
// here it creates a room for two site users, the way PHP's
// http_build_query posts it.
func Example() {
	emu, err := testkit.New(testkit.WithClock(time.Date(2021, 3, 1, 12, 0, 0, 0, time.UTC)))
	if err != nil {
		panic(err)
	}
	defer emu.Close()

	form := url.Values{"imba_id": {"209"}, "login": {"admin"}, "password": {"admin"},
		"room_title": {"Support"}, "users_ids[0]": {"3"}, "users_ids[1]": {"4"}}
	resp, err := http.PostForm(emu.ImbaChatURL()+"/imbachat/v1/widget/imba_rooms", form)
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, string(body))

	// The journal tells what the client sent.
	calls := emu.Calls("imbachat.imba_rooms", testkit.Params{"users_ids[1]": "4"})
	fmt.Println(len(calls), "call with users_ids[1]=4, tenant", calls[0].Tenant)
	// Output:
	// 200 {"code":200,"message":"Success","data":[{"success":true,"roomId":1854,"room_id":1854}]}
	// 1 call with users_ids[1]=4, tenant widget:209
}

// Seed data of your own and move the clock: a widget user's token expires
// by the emulator clock, not the wall clock.
func ExampleServer_Advance() {
	emu, err := testkit.New(testkit.WithClock(time.Date(2021, 3, 1, 12, 0, 0, 0, time.UTC)),
		testkit.WithSeedData([]byte(`{"imbachat": {"widgets": [{"imba_id": 1, "secret_key": "k", "login": "site", "password": "pw"}]}}`)))
	if err != nil {
		panic(err)
	}
	defer emu.Close()

	getRooms := func(token string) string {
		req, _ := http.NewRequest("POST", emu.URL()+"/imbachat/v2/1/get_rooms", strings.NewReader(""))
		req.Header.Set("JWT", token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return fmt.Sprint(resp.StatusCode, " ", string(b))
	}
	token := emu.ImbaChatUserToken(nopTB{}, "k", 7, time.Hour)
	fmt.Println(getRooms(token))
	emu.Advance(2 * time.Hour)
	fmt.Println(getRooms(token))
	// Output:
	// 200 {"success":"true","data":[],"code":200}
	// 401 {"success":false,"code":401,"message":"Invalid JWT: token expired","data":[]}
}

// A site user writes in a room through the widget (something ImbaChat's
// API cannot do), and the test reads the room back as ImbaChat holds it.
func ExampleServer_ImbaChat() {
	emu, err := testkit.New(testkit.WithClock(time.Date(2021, 3, 1, 12, 0, 0, 0, time.UTC)))
	if err != nil {
		panic(err)
	}
	defer emu.Close()

	emu.ImbaChat().Write(nopTB{}, 627, 1314, "2", "Hi, I need help")
	room := emu.ImbaChat().Room(nopTB{}, 627, 1314)
	for _, m := range room.Members {
		fmt.Println(m.RemoteUserID, m.Name, m.Role)
	}
	last := room.Messages[len(room.Messages)-1]
	fmt.Println(last.UserID, last.Message)
	// Output:
	// 1 Site admin admin
	// 2 Support agent user
	// 2157 Hi, I need help
}
