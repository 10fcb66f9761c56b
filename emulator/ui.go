package emulator

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/gorilla/mux"
)

// uiFiles is the dashboard: plain HTML, CSS and JavaScript, served as they
// are (no build step, nothing fetched from elsewhere).
//
//go:embed ui/index.html ui/app.js ui/app.css
var uiFiles embed.FS

// uiPolicy keeps the page to its own origin: no script, style, image or
// connection elsewhere.
const uiPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"

// mountUI serves the dashboard at /_emulator/ui/ (docs/dashboard.md). The
// files hold no data and are open; everything the page shows comes from
// the control plane, which asks for the admin token.
func (e *Emulator) mountUI(c *mux.Router) {
	sub, err := fs.Sub(uiFiles, "ui")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	files := http.StripPrefix("/_emulator/ui/", http.FileServerFS(sub))
	c.Handle("/ui", http.RedirectHandler("/_emulator/ui/", http.StatusMovedPermanently)).Name("control.ui")
	c.PathPrefix("/ui/").Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			writeControl(w, nil, controlError(http.StatusMethodNotAllowed, "%s does not accept %s", r.URL.Path, r.Method))
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", uiPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})).Name("control.ui.files")
}
