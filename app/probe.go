package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// probeUsage is printed with -h and with a usage error.
const probeUsage = `usage: hello probe [-timeout 5s] URL

GET URL once; exit 0 when it answers 200, 1 otherwise. The image has no shell
and no curl, so this is how a pod (a helm test, an exec probe) checks the
service with the binary it already has.`

// probe is the `hello probe URL` mode: one GET, success only on 200 OK. It
// never follows redirects, so a 3xx is reported instead of hidden.
func probe(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("probe", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	timeout := fs.Duration("timeout", 5*time.Second, "how long the request may take")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, probeUsage)
			return nil
		}
		return fmt.Errorf("probe: %w\n%s", err, probeUsage)
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("probe: want exactly one URL, got %d arguments\n%s", fs.NArg(), probeUsage)
	}
	if *timeout <= 0 {
		return fmt.Errorf("probe: -timeout must be positive, got %s", *timeout)
	}
	target := fs.Arg(0)
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("probe: %q is not an http(s) URL with a host", target)
	}

	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	client := &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("probe: GET %s: %w", target, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("probe: GET %s: %s, want 200 OK: %q", target, resp.Status, body)
	}
	fmt.Fprintf(stdout, "probe: GET %s: %s\n", target, resp.Status)
	return nil
}
