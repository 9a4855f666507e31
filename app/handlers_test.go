package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// newTestServer builds the handler with a throwaway logger and defaults.
func newTestServer(t testing.TB, ready *Readiness) http.Handler {
	t.Helper()
	cfg, err := loadConfig(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.Version = "v0.0.0-test"
	cfg.Readiness = ready
	return NewServer(slog.New(slog.DiscardHandler), cfg)
}

func TestRoutes(t *testing.T) {
	tests := []struct {
		name     string
		method   string
		target   string
		draining bool
		wantCode int
		wantBody string // exact body; ignored if empty
	}{
		{name: "hello", method: http.MethodGet, target: "/", wantCode: http.StatusOK, wantBody: "hello from hello v0.0.0-test\n"},
		{name: "healthz", method: http.MethodGet, target: "/healthz", wantCode: http.StatusOK, wantBody: "ok"},
		{name: "healthz while draining", method: http.MethodGet, target: "/healthz", draining: true, wantCode: http.StatusOK, wantBody: "ok"},
		{name: "readyz", method: http.MethodGet, target: "/readyz", wantCode: http.StatusOK, wantBody: "ready"},
		{name: "readyz while draining", method: http.MethodGet, target: "/readyz", draining: true, wantCode: http.StatusServiceUnavailable, wantBody: "draining"},
		{name: "metrics", method: http.MethodGet, target: "/metrics", wantCode: http.StatusOK},
		{name: "unknown path", method: http.MethodGet, target: "/nope", wantCode: http.StatusNotFound},
		{name: "wrong method", method: http.MethodPost, target: "/healthz", wantCode: http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ready := new(Readiness)
			if tt.draining {
				ready.StartDraining()
			}
			srv := newTestServer(t, ready)

			w := httptest.NewRecorder()
			srv.ServeHTTP(w, httptest.NewRequest(tt.method, tt.target, nil))

			if w.Code != tt.wantCode {
				t.Errorf("%s %s: status = %d, want %d", tt.method, tt.target, w.Code, tt.wantCode)
			}
			if tt.wantBody != "" && w.Body.String() != tt.wantBody {
				t.Errorf("%s %s: body = %q, want %q", tt.method, tt.target, w.Body.String(), tt.wantBody)
			}
		})
	}
}

func TestGreetingFromEnv(t *testing.T) {
	env := map[string]string{"GREETING": "howdy"}
	cfg, err := loadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	cfg.Version = "v1"
	srv := NewServer(slog.New(slog.DiscardHandler), cfg)

	w := httptest.NewRecorder()
	srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if got, want := w.Body.String(), "howdy from hello v1\n"; got != want {
		t.Errorf("body = %q, want %q", got, want)
	}
}

func TestReadyzFlipsWhenDrainingStarts(t *testing.T) {
	ready := new(Readiness)
	srv := httptest.NewServer(newTestServer(t, ready))
	defer srv.Close()

	get := func() int {
		t.Helper()
		resp, err := http.Get(srv.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		return resp.StatusCode
	}
	if got := get(); got != http.StatusOK {
		t.Fatalf("before draining: status = %d, want 200", got)
	}
	ready.StartDraining()
	if got := get(); got != http.StatusServiceUnavailable {
		t.Fatalf("after draining: status = %d, want 503", got)
	}
}

func TestMetricsRecordRequests(t *testing.T) {
	srv := newTestServer(t, nil)

	srv.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/healthz", nil))

	w := httptest.NewRecorder()
	srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if w.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200", w.Code)
	}
	body, _ := io.ReadAll(w.Body)
	for _, want := range []string{
		`http_requests_total{code="200",method="GET",route="/healthz"} 1`,
		`http_request_duration_seconds_count{method="GET",route="/healthz"} 1`,
		"go_goroutines",
		"process_cpu_seconds_total",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics output missing %q", want)
		}
	}
}

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr bool
		check   func(t *testing.T, c Config)
	}{
		{name: "defaults", check: func(t *testing.T, c Config) {
			if c.Port != "8080" || c.ShutdownTimeout.String() != "10s" || c.Greeting != "hello" {
				t.Errorf("unexpected defaults: %+v", c)
			}
		}},
		{name: "overrides", env: map[string]string{"PORT": "9090", "SHUTDOWN_TIMEOUT": "3s", "GREETING": "hi"}, check: func(t *testing.T, c Config) {
			if c.Port != "9090" || c.ShutdownTimeout.String() != "3s" || c.Greeting != "hi" {
				t.Errorf("overrides not applied: %+v", c)
			}
		}},
		{name: "bad port", env: map[string]string{"PORT": "http"}, wantErr: true},
		{name: "port out of range", env: map[string]string{"PORT": "70000"}, wantErr: true},
		{name: "bad timeout", env: map[string]string{"SHUTDOWN_TIMEOUT": "soon"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadConfig(func(k string) string { return tt.env[k] })
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}

func BenchmarkHello(b *testing.B) {
	srv := newTestServer(b, nil)
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	for b.Loop() {
		srv.ServeHTTP(httptest.NewRecorder(), r)
	}
}

func BenchmarkHealthz(b *testing.B) {
	srv := newTestServer(b, nil)
	r := httptest.NewRequest(http.MethodGet, "/healthz", nil)
	for b.Loop() {
		srv.ServeHTTP(httptest.NewRecorder(), r)
	}
}
