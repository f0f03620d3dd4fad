package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"

	"github.com/tlsweep/tlsweep/scanner"
)

// sweepFlags tune the worker pool: how hard tlsweep pushes the network.
func sweepFlags() []cli.Flag {
	return []cli.Flag{
		&cli.IntFlag{Name: "concurrency", Aliases: []string{"c"}, Value: 4096, Usage: "connection attempts in flight; each firewalled port holds one for all of --timeout"},
		&cli.IntFlag{Name: "probe-concurrency", Value: 512, Usage: "open endpoints examined (handshakes, probes) at once"},
		&cli.IntFlag{Name: "host-concurrency", Value: 8, Usage: "simultaneous connections to one address"},
		&cli.Float64Flag{Name: "rate", Usage: "cap new connection attempts per second (default: no cap)"},
		&cli.StringFlag{Name: "shard", Usage: "scan slice `K/N` of the probe space (N machines each take one K)"},
		&cli.BoolFlag{Name: "no-progress", Usage: "no progress display (it is only shown when stderr is a terminal)"},
	}
}

// sweepOptions is the pool part of the command line.
type sweepOptions struct {
	concurrency, probeConcurrency, hostConcurrency int
	rate                                           float64
	shard                                          scanner.Shard
	progress                                       bool
}

func parseSweepOptions(c *cli.Context) (sweepOptions, error) {
	o := sweepOptions{
		concurrency:      c.Int("concurrency"),
		probeConcurrency: c.Int("probe-concurrency"),
		hostConcurrency:  c.Int("host-concurrency"),
		rate:             c.Float64("rate"),
		progress:         !c.Bool("no-progress") && isTerminal(c.App.ErrWriter),
	}
	switch {
	case o.concurrency < 1:
		return o, errors.New("--concurrency must be at least 1")
	case o.probeConcurrency < 1:
		return o, errors.New("--probe-concurrency must be at least 1")
	case o.hostConcurrency < 1:
		return o, errors.New("--host-concurrency must be at least 1")
	case !(o.rate >= 0) || math.IsInf(o.rate, 1):
		return o, errors.New("--rate must be positive (or 0 for no cap)")
	}
	if s := c.String("shard"); s != "" {
		sh, err := scanner.ParseShard(s)
		if err != nil {
			return o, err
		}
		o.shard = sh
	}
	return o, nil
}

func (o sweepOptions) apply(cfg *scanner.Config) {
	cfg.Concurrency = o.concurrency
	cfg.ProbeConcurrency = o.probeConcurrency
	cfg.HostConcurrency = o.hostConcurrency
	cfg.Rate = o.rate
	cfg.Shard = o.shard
	cfg.Progress = new(scanner.Progress)
}

// showProgress draws probes done / total, open ports, rate and ETA on
// stderr until ctx ends. It returns a function that clears the bar.
func showProgress(ctx context.Context, c *cli.Context, p *scanner.Progress) (stop func()) {
	w, ok := c.App.ErrWriter.(*os.File)
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
			bar.Describe(fmt.Sprintf("probes (%d open)", p.Open.Load()))
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
