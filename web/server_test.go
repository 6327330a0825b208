package web

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestProbes(t *testing.T) {
	var redisUp atomic.Bool
	redisUp.Store(true)
	checks := []Check{
		{Name: "redis", Ready: func(context.Context) error {
			if !redisUp.Load() {
				return errors.New("dial tcp 127.0.0.1:6379: connection refused")
			}
			return nil
		}},
		{Name: "knowledge", Ready: func(context.Context) error { return nil }},
	}
	hook := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	srv := httptest.NewServer(NewServer(checks, "POST /telegram/hook", hook))
	defer srv.Close()

	get := func(path string) (int, string) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		buf := make([]byte, 512)
		n, _ := resp.Body.Read(buf)
		b.Write(buf[:n])
		return resp.StatusCode, b.String()
	}
	if code, _ := get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz = %d", code)
	}
	if code, body := get("/readyz"); code != http.StatusOK || !strings.Contains(body, `"redis":"ok"`) {
		t.Errorf("/readyz = %d %s", code, body)
	}
	redisUp.Store(false)
	if code, body := get("/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "connection refused") || !strings.Contains(body, `"knowledge":"ok"`) {
		t.Errorf("/readyz with Redis down = %d %s", code, body)
	}
	resp, err := http.Post(srv.URL+"/telegram/hook", "application/json", strings.NewReader("{}"))
	if err != nil || resp.StatusCode != http.StatusTeapot {
		t.Errorf("webhook route: %v %v", resp, err)
	}
}
