package data

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	neturl "net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"gogan/internal/atomicfile"
	"gogan/internal/plainfile"
)

// DownloadOptions tune Download. The zero value fetches both splits from the catalog's
// mirrors and reports nothing.
type DownloadOptions struct {
	Split       string       // "train" or "test" fetches one split only; "" both
	Mirrors     []string     // base URLs to try, in order, instead of the catalog's
	Client      *http.Client // nil: one with connect and response timeouts
	IdleTimeout time.Duration
	// A mirror that sends fewer than MinRate bytes a second over any RateWindow is abandoned,
	// so that one trickling a byte at a time cannot keep a download going for ever; Deadline
	// bounds the whole download.
	MinRate    int64
	RateWindow time.Duration
	Deadline   time.Duration
	// Progress, when set, is given every file's bytes as they arrive; it returns a writer
	// (a progress bar) that is closed when the file ends. Without it, Log gets one line per
	// file and mirror.
	Progress    func(label string, size int64) io.WriteCloser
	Log         io.Writer // nil: discard
	KeepArchive bool      // keep EMNIST's gzip.zip next to the files extracted from it
}

// The defaults of DownloadOptions: a mirror is abandoned after a minute of silence or a
// minute at under 1 kB/s, and a whole download after six hours.
const (
	defaultIdleTimeout = 60 * time.Second
	defaultMinRate     = 1000
	defaultRateWindow  = 60 * time.Second
	defaultDeadline    = 6 * time.Hour
)

// DefaultDir is where Download puts a dataset when given no folder: $GOGAN_DATA/<name>, or
// data/<name> below the current folder; Open looks in both.
func DefaultDir(name string) string {
	if env := os.Getenv("GOGAN_DATA"); env != "" {
		return filepath.Join(env, name)
	}
	return filepath.Join("data", name)
}

// Download fetches the named dataset into dir (DefaultDir when empty), trying each mirror
// in turn, and verifies every file's SHA-256 before it takes the file's name. Files already
// there with the right sum are kept.
func Download(ctx context.Context, name, dir string, opt DownloadOptions) error {
	src, err := lookup(name)
	if err != nil {
		return err
	}
	if dir == "" {
		dir = DefaultDir(src.Name)
	}
	return src.Download(ctx, dir, opt)
}

// Download fetches the source's files into dir; see the function Download.
func (s *Source) Download(ctx context.Context, dir string, opt DownloadOptions) error {
	switch opt.Split {
	case "", "train", "test":
	default:
		return fmt.Errorf("split must be train or test, not %q", opt.Split)
	}
	if opt.Log == nil {
		opt.Log = io.Discard
	}
	if opt.Client == nil {
		opt.Client = defaultClient()
	}
	if opt.IdleTimeout <= 0 {
		opt.IdleTimeout = defaultIdleTimeout
	}
	if opt.MinRate <= 0 {
		opt.MinRate = defaultMinRate
	}
	if opt.RateWindow <= 0 {
		opt.RateWindow = defaultRateWindow
	}
	if opt.Deadline <= 0 {
		opt.Deadline = defaultDeadline
	}
	ctx, cancel := context.WithTimeoutCause(ctx, opt.Deadline, fmt.Errorf("not done within %v", opt.Deadline))
	defer cancel()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("download %s: %w", s.Name, err)
	}
	mirrors := s.Mirrors
	if len(opt.Mirrors) > 0 {
		mirrors = opt.Mirrors
	}
	if s.archived() && s.extracted(dir, opt.Split) {
		// The archive is large and gone once extracted; its members carry no sums of their own.
		fmt.Fprintf(opt.Log, "%s: %s already extracted from %s; delete its files to fetch it again\n", dir, s.Name, s.Files[0].Name)
		return nil
	}
	for _, f := range s.Files {
		if f.Split != "" && opt.Split != "" && f.Split != opt.Split {
			continue
		}
		if err := fetchVerified(ctx, mirrors, filepath.Join(dir, f.Name), f, opt); err != nil {
			return err
		}
	}
	if !s.archived() {
		return nil
	}
	archive := filepath.Join(dir, s.Files[0].Name)
	if err := s.extract(archive, dir, opt); err != nil {
		return err
	}
	if !opt.KeepArchive {
		if err := os.Remove(archive); err != nil {
			return fmt.Errorf("download %s: %w", s.Name, err)
		}
	}
	return nil
}

func defaultClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   30 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
	}}
}

// fetchVerified makes path hold f, from the first mirror that serves it intact.
func fetchVerified(ctx context.Context, mirrors []string, path string, f RemoteFile, opt DownloadOptions) error {
	if sum, err := fileSHA256(path); err == nil {
		if sum == f.SHA256 {
			fmt.Fprintf(opt.Log, "%s: present, SHA-256 verified\n", path)
			return nil
		}
		fmt.Fprintf(opt.Log, "%s: present but its SHA-256 is %s, not %s; fetching it again\n", path, sum, f.SHA256)
	}
	var failures []string
	for _, base := range mirrors {
		url := strings.TrimSuffix(base, "/") + "/" + f.Name
		if opt.Progress == nil {
			fmt.Fprintf(opt.Log, "fetching %s (%s)\n", url, megabytes(f.Size))
		}
		err := atomicfile.Write(path, 0o644, func(w io.Writer) error { return fetch(ctx, url, w, f, opt) })
		if err == nil {
			if len(failures) > 0 {
				fmt.Fprintf(opt.Log, "(mirrors tried first: %s)\n", strings.Join(failures, "; "))
			}
			fmt.Fprintf(opt.Log, "%s: SHA-256 verified\n", path)
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("download %s: %w", f.Name, context.Cause(ctx))
		}
		// atomicfile names the destination; the mirror's URL says more. Each failure is
		// reported once: in the error if every mirror fails, else beside the success.
		failures = append(failures, strings.TrimPrefix(err.Error(), "write "+path+": "))
	}
	if len(mirrors) == 0 {
		return fmt.Errorf("download %s: no mirrors", f.Name)
	}
	return fmt.Errorf("download %s: every mirror failed: %s", f.Name, strings.Join(failures, "; "))
}

// fetch copies url to w, checking its length and SHA-256 against f.
func fetch(ctx context.Context, url string, w io.Writer, f RemoteFile, opt DownloadOptions) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	errStalled := fmt.Errorf("no data for %v", opt.IdleTimeout)
	idle := time.AfterFunc(opt.IdleTimeout, func() { cancel(errStalled) })
	defer idle.Stop()
	var received atomic.Int64
	rate := watchRate(&received, opt.MinRate, opt.RateWindow, cancel)
	defer rate.Stop()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", url, err)
	}
	resp, err := opt.Client.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", url, stalled(ctx, withoutURL(err)))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: HTTP %s", url, resp.Status)
	}
	if resp.ContentLength >= 0 && resp.ContentLength != f.Size {
		return fmt.Errorf("%s: server offers %d bytes, want %d", url, resp.ContentLength, f.Size)
	}
	hash := sha256.New()
	dst := io.MultiWriter(w, hash)
	if opt.Progress != nil {
		bar := opt.Progress(f.Name, f.Size)
		defer bar.Close()
		dst = io.MultiWriter(dst, bar)
	}
	// Reading one byte past the expected size catches a server that sends too much.
	body := &idleReader{r: io.LimitReader(resp.Body, f.Size+1), timer: idle, timeout: opt.IdleTimeout, received: &received}
	n, err := io.Copy(dst, body)
	if err != nil {
		if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
			return fmt.Errorf("%s: gave up after %d of %d bytes: %w", url, n, f.Size, cause)
		}
		return fmt.Errorf("%s: connection broke after %d of %d bytes: %w", url, n, f.Size, err)
	}
	if n != f.Size {
		return fmt.Errorf("%s: got %d bytes, want %d", url, n, f.Size)
	}
	if sum := hex.EncodeToString(hash.Sum(nil)); sum != f.SHA256 {
		return fmt.Errorf("%s: SHA-256 mismatch: got %s, want %s", url, sum, f.SHA256)
	}
	return nil
}

// idleReader postpones the idle timer with every read that brings data, and counts the bytes.
type idleReader struct {
	r        io.Reader
	timer    *time.Timer
	timeout  time.Duration
	received *atomic.Int64
}

func (r *idleReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if n > 0 {
		r.timer.Reset(r.timeout)
		r.received.Add(int64(n))
	}
	return n, err
}

// watchRate cancels with a cause when fewer than minRate bytes a second arrive over a window;
// the idle timer alone restarts with every byte, however slow they come.
func watchRate(received *atomic.Int64, minRate int64, window time.Duration, cancel context.CancelCauseFunc) *time.Timer {
	var last int64
	var timer *time.Timer
	timer = time.AfterFunc(window, func() {
		got := received.Load()
		if float64(got-last) < float64(minRate)*window.Seconds() {
			cancel(fmt.Errorf("%d bytes in %v, slower than the %d bytes a second a mirror must send", got-last, window, minRate))
			return
		}
		last = got
		timer.Reset(window)
	})
	return timer
}

// stalled reports the idle timer, rather than the cancellation it caused, as the failure.
func stalled(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	return err
}

// fileSHA256 is the hex SHA-256 of a file's content.
func fileSHA256(path string) (string, error) {
	f, err := plainfile.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func megabytes(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

// withoutURL drops net/http's "Get <url>:" from err, since the caller names the URL.
func withoutURL(err error) error {
	var ue *neturl.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
