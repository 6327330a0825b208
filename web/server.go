// Package web is legalbot's HTTP surface: health and readiness probes and,
// in webhook mode, the Telegram webhook. routes shows all of it.
package web

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// ReadyFunc reports whether a dependency is ready; nil means ready.
type ReadyFunc func(ctx context.Context) error

// Check is one named readiness check.
type Check struct {
	Name  string
	Ready ReadyFunc
}

// NewServer returns the HTTP handler. webhook may be nil (polling mode).
func NewServer(checks []Check, webhookPath string, webhook http.Handler) http.Handler {
	mux := http.NewServeMux()
	routes(mux, checks, webhookPath, webhook)
	return mux
}

func routes(mux *http.ServeMux, checks []Check, webhookPath string, webhook http.Handler) {
	mux.HandleFunc("GET /healthz", handleHealthz)
	mux.Handle("GET /readyz", handleReadyz(checks))
	if webhook != nil {
		mux.Handle(webhookPath, webhook)
	}
}

// handleHealthz says the process is up.
func handleHealthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// handleReadyz runs every check; 200 when all pass, 503 otherwise, with a
// JSON body naming each check's state.
func handleReadyz(checks []Check) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		status := http.StatusOK
		body := map[string]string{}
		for _, c := range checks {
			if err := c.Ready(ctx); err != nil {
				status = http.StatusServiceUnavailable
				body[c.Name] = err.Error()
			} else {
				body[c.Name] = "ok"
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(body)
	})
}
