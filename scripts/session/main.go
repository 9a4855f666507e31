// Command dagger-session serves one Dagger engine session to an SDK.
//
// It speaks the contract of `dagger session` that SDKs use when
// _EXPERIMENTAL_DAGGER_CLI_BIN points at a CLI: it connects to the engine at
// _EXPERIMENTAL_DAGGER_RUNNER_HOST, listens on a random loopback port, prints
// {"port":N,"session_token":"..."} on stdout and serves until stdin closes.
// The full CLI cannot be built from the module proxy here (its terminal UI
// modules are not served), so this is the client half the project needs.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/google/uuid"

	"github.com/dagger/dagger/engine"
	"github.com/dagger/dagger/engine/client"
)

type labels []string

func (l *labels) String() string     { return fmt.Sprint(*l) }
func (l *labels) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "dagger-session:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) > 0 && args[0] == "version" {
		fmt.Printf("dagger %s (pipeline session)\n", engine.Version)
		return nil
	}
	if len(args) == 0 || args[0] != "session" {
		return errors.New("usage: dagger-session session [--label k:v] [--workdir d] [--load-workspace-modules]")
	}
	fs := flag.NewFlagSet("session", flag.ContinueOnError)
	var ls labels
	fs.Var(&ls, "label", "session label (accepted for SDK compatibility)")
	fs.String("workdir", "", "accepted for SDK compatibility")
	fs.String("project", "", "accepted for SDK compatibility")
	fs.String("version", "", "accepted for SDK compatibility")
	loadWS := fs.Bool("load-workspace-modules", false, "load workspace modules")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}

	runnerHost := os.Getenv("_EXPERIMENTAL_DAGGER_RUNNER_HOST")
	if runnerHost == "" {
		return errors.New("_EXPERIMENTAL_DAGGER_RUNNER_HOST is not set")
	}
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	token, err := uuid.NewRandom()
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go func() { <-ctx.Done(); l.Close() }()
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); l.Close() }()

	sess, err := client.Connect(ctx, client.Params{
		SecretToken:          token.String(),
		RunnerHost:           runnerHost,
		LoadWorkspaceModules: *loadWS,
		SkipWorkspaceModules: !*loadWS,
	})
	if err != nil {
		return fmt.Errorf("connect to engine at %s: %w", runnerHost, err)
	}
	defer sess.Close()

	params, err := json.Marshal(map[string]any{
		"port":          l.Addr().(*net.TCPAddr).Port,
		"session_token": token.String(),
	})
	if err != nil {
		return err
	}
	if _, err := os.Stdout.Write(append(params, '\n')); err != nil {
		return err
	}
	srv := http.Server{
		Handler:           sess,
		ReadHeaderTimeout: 30 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	if err := srv.Serve(l); err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}
