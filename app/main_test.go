package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestRunGracefulShutdown starts the real service on a random port, waits for
// it to answer, cancels its context and expects a clean nil return.
func TestRunGracefulShutdown(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()

	env := map[string]string{"PORT": "0", "SHUTDOWN_TIMEOUT": "5s"}
	getenv := func(k string) string { return env[k] }

	// run logs JSON lines to stdout; read them to learn the chosen address.
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, []string{"hello"}, getenv, pw)
		pw.Close()
		done <- err
	}()

	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
				addr <- line.Addr
			}
		}
		// Keep draining so run never blocks writing logs.
		_, _ = io.Copy(io.Discard, pr)
	}()

	var base string
	select {
	case a := <-addr:
		_, port, err := net.SplitHostPort(a)
		if err != nil {
			t.Fatalf("bad listen addr %q: %v", a, err)
		}
		base = "http://" + net.JoinHostPort("127.0.0.1", port)
	case err := <-done:
		t.Fatalf("run returned before listening: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("timed out waiting for the server to listen")
	}

	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatalf("GET /readyz: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /readyz: status = %d, want 200", resp.StatusCode)
	}

	cancel() // same effect as SIGTERM: begin graceful shutdown.

	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run returned %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancellation")
	}
}

func TestRunBadConfig(t *testing.T) {
	getenv := func(k string) string {
		if k == "PORT" {
			return "not-a-port"
		}
		return ""
	}
	if err := run(t.Context(), nil, getenv, io.Discard); err == nil {
		t.Fatal("run with invalid PORT returned nil, want error")
	}
}
