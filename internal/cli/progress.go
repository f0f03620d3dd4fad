package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/tlsweep/tlsweep/scanner"
)

// progressLine describes a running sweep: open ports, the learned round
// trip and the retries sent.
func progressLine(p *scanner.Progress) string {
	s := fmt.Sprintf("probes (%d open", p.Open.Load())
	if p.RTT.Count() > 0 {
		s += fmt.Sprintf(", rtt p50 %s p90 %s, %d retries", p.RTT.Quantile(0.5).Round(10*time.Microsecond),
			p.RTT.Quantile(0.9).Round(10*time.Microsecond), p.Retries.Load())
	}
	return s + ")"
}

// showProgress draws probes done / total, open ports, rate and ETA on
// stderr until ctx ends. It returns a function that clears the bar.
func showProgress(ctx context.Context, stderr io.Writer, p *scanner.Progress) (stop func()) {
	w, ok := stderr.(*os.File)
	if !ok {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	bar := progressbar.NewOptions64(-1,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("probes"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("probes"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			if total := p.Total.Load(); total > 0 && bar.GetMax64() != int64(total) {
				bar.ChangeMax64(int64(total))
			}
			_ = bar.Set64(int64(p.Done.Load()))
			bar.Describe(progressLine(p))
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		cancel()
		<-done
		_ = bar.Clear()
	}
}
