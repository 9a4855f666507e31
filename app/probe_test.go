package main

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestRunProbe drives `hello probe` through run against the real server:
// /healthz answers 200, /readyz answers 503 once draining starts.
func TestRunProbe(t *testing.T) {
	ready := new(Readiness)
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	srv := httptest.NewServer(NewServer(logger, Config{Greeting: "hi", Version: "test", Readiness: ready}))
	defer srv.Close()
	noenv := func(string) string { return "" }

	var out bytes.Buffer
	if err := run(t.Context(), []string{"hello", "probe", srv.URL + "/healthz"}, noenv, &out); err != nil {
		t.Fatalf("probe /healthz: %v", err)
	}
	if want := "probe: GET " + srv.URL + "/healthz: 200 OK\n"; out.String() != want {
		t.Fatalf("probe /healthz printed %q, want %q", out.String(), want)
	}

	ready.StartDraining()
	err := run(t.Context(), []string{"hello", "probe", srv.URL + "/readyz"}, noenv, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "503 Service Unavailable, want 200 OK") {
		t.Fatalf("probe /readyz while draining: %v, want a 503 error", err)
	}
}

func TestProbe(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("/created", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusCreated) })
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok", http.StatusFound) })
	mux.HandleFunc("/slow", func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	closed := closedPort(t)

	tests := []struct {
		name    string
		args    []string
		wantErr string // "" means success
		wantOut string
	}{
		{"200 passes", []string{srv.URL + "/ok"}, "", "200 OK"},
		{"other 2xx fails", []string{srv.URL + "/created"}, "201 Created, want 200 OK", ""},
		{"redirect is not followed", []string{srv.URL + "/moved"}, "302 Found, want 200 OK", ""},
		{"404 fails", []string{srv.URL + "/missing"}, "404 Not Found", ""},
		{"timeout", []string{"-timeout", "100ms", srv.URL + "/slow"}, "context deadline exceeded", ""},
		{"nothing listening", []string{"http://" + closed + "/healthz"}, "connection refused", ""},
		{"no URL", nil, "want exactly one URL, got 0", ""},
		{"two URLs", []string{srv.URL, srv.URL}, "want exactly one URL, got 2", ""},
		{"not a URL", []string{"localhost:8080/healthz"}, "is not an http(s) URL with a host", ""},
		{"no host", []string{"http:///healthz"}, "is not an http(s) URL with a host", ""},
		{"bad flag", []string{"-retries", "3", srv.URL}, "flag provided but not defined: -retries", ""},
		{"zero timeout", []string{"-timeout", "0s", srv.URL}, "-timeout must be positive", ""},
		{"help", []string{"-h"}, "", "usage: hello probe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := probe(t.Context(), tt.args, &out)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("probe(%q) = %v, want success", tt.args, err)
				}
				if !strings.Contains(out.String(), tt.wantOut) {
					t.Fatalf("probe(%q) printed %q, want it to contain %q", tt.args, out.String(), tt.wantOut)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("probe(%q) = %v, want an error containing %q", tt.args, err, tt.wantErr)
			}
		})
	}
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
