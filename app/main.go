// Command hello is a small demo HTTP service used to exercise the CI
// pipeline. It greets callers, exposes liveness/readiness probes and serves
// Prometheus metrics.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

// version is stamped at build time with
//
//	go build -ldflags "-X main.version=v1.2.3"
var version = "dev"

func main() {
	ctx := context.Background()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "%s\n", err)
		os.Exit(1)
	}
}

// run is the real entry point. Everything it needs from the operating system
// is passed in, so tests can call it directly with their own environment,
// output and context.
func run(
	ctx context.Context,
	args []string,
	getenv func(string) string,
	stdout io.Writer,
) error {
	// `hello probe URL`: the image has no shell or curl, so a pod checks the
	// service with this binary (the chart's helm test does).
	if len(args) > 1 && args[1] == "probe" {
		return probe(ctx, args[2:], stdout)
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	logger := slog.New(newLogHandler(stdout)).With("version", version)

	cfg, err := loadConfig(getenv)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	cfg.Readiness = new(Readiness)

	obs, err := startObservability(ctx, getenv, logger)
	if err != nil {
		return fmt.Errorf("observability: %w", err)
	}
	// Last out: flush the spans of the requests drained below.
	defer obs.close(cfg.ShutdownTimeout)
	cfg.TracerProvider, cfg.Propagator = obs.tracerProvider, obs.propagator

	srv := &http.Server{
		Handler:           NewServer(logger, cfg),
		ReadHeaderTimeout: 5 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelError),
	}

	// Listen before serving so a port of 0 resolves to a real port that we
	// can log (and tests can discover).
	ln, err := net.Listen("tcp", net.JoinHostPort("", cfg.Port))
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}

	serveErr := make(chan error, 1)
	go func() {
		defer close(serveErr)
		logger.Info("listening", "addr", ln.Addr().String())
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			serveErr <- err
		}
	}()

	select {
	case err := <-serveErr:
		// Serve only returns early on a real failure.
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	// Stop advertising readiness first so load balancers stop sending new
	// traffic, then let in-flight requests finish within the deadline.
	cfg.Readiness.StartDraining()
	logger.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())

	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-serveErr; err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	logger.Info("stopped")
	return nil
}

// loadConfig reads the service configuration from the environment, applying
// defaults for anything unset.
func loadConfig(getenv func(string) string) (Config, error) {
	cfg := Config{
		Port:            "8080",
		ShutdownTimeout: 10 * time.Second,
		Greeting:        "hello",
		Version:         version,
	}
	if v := getenv("PORT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 65535 {
			return Config{}, fmt.Errorf("invalid PORT %q", v)
		}
		cfg.Port = v
	}
	if v := getenv("SHUTDOWN_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return Config{}, fmt.Errorf("invalid SHUTDOWN_TIMEOUT %q", v)
		}
		cfg.ShutdownTimeout = d
	}
	if v := getenv("GREETING"); v != "" {
		cfg.Greeting = v
	}
	return cfg, nil
}
