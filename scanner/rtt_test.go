package scanner

import (
	"math"
	"net/netip"
	"testing"
	"time"
)

func TestRTTEstimatorWaits(t *testing.T) {
	const ceiling = 3 * time.Second
	e := newRTTEstimator(ceiling, false)
	near := netip.MustParseAddr("10.0.1.5")
	far := netip.MustParseAddr("10.0.2.5")
	if w, ok := e.wait(near); w != ceiling || ok {
		t.Errorf("before any answer: wait %v learned %v, want --timeout and false", w, ok)
	}
	for range rttNetMin {
		e.observe(netip.MustParseAddr("10.0.1.9"), 2*time.Millisecond)
	}
	if w, ok := e.wait(near); w != rttFloor || !ok {
		t.Errorf("2 ms network: wait %v learned %v, want the %v floor", w, ok, rttFloor)
	}
	// A network of its own, 80 ms away, once it has answered enough.
	for i := range rttNetMin {
		e.observe(far, 80*time.Millisecond)
		w, _ := e.wait(far)
		sweep, _ := e.wait(netip.MustParseAddr("10.0.3.1"))
		if i < rttNetMin-1 && w != sweep {
			t.Errorf("far network after %d answers: wait %v, want the sweep's %v", i+1, w, sweep)
		}
	}
	if w, _ := e.wait(far); w < 240*time.Millisecond || w > 400*time.Millisecond {
		t.Errorf("80 ms network: wait %v, want a few round trips (240-400 ms)", w)
	}
	if w, _ := e.wait(near); w != rttFloor {
		t.Errorf("2 ms network after the far one answered: wait %v, want the floor", w)
	}
	if w, _ := e.wait(netip.MustParseAddr("2001:db8::1")); w < rttFloor || w > ceiling {
		t.Errorf("unknown network: wait %v, want the sweep's", w)
	}
	slow := newRTTEstimator(time.Second, false)
	for range rttGlobalMin {
		slow.observe(far, 800*time.Millisecond)
	}
	if w, ok := slow.wait(near); w != time.Second || !ok {
		t.Errorf("round trips near the ceiling: wait %v, want the 1s ceiling", w)
	}
	fixed := newRTTEstimator(ceiling, true)
	for range 2 * rttNetMin {
		fixed.observe(near, time.Millisecond)
	}
	if w, ok := fixed.wait(near); w != ceiling || ok {
		t.Errorf("--fixed-timeout: wait %v learned %v, want --timeout and false", w, ok)
	}
}

func TestRTTEstimatorReady(t *testing.T) {
	e := newRTTEstimator(time.Second, false)
	ip := netip.MustParseAddr("192.0.2.1")
	for i := 1; i <= rttGlobalMin+2; i++ {
		if got := e.observe(ip, time.Millisecond); got != (i == rttGlobalMin) {
			t.Errorf("answer %d: ready %v", i, got)
		}
	}
}

func TestRetryWait(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct{ ceiling, first, sent, now, want time.Duration }{
		{5000 * ms, 100 * ms, 0, 100 * ms, 200 * ms},       // twice the first wait
		{250 * ms, 100 * ms, 0, 100 * ms, 150 * ms},        // what is left of --timeout
		{120 * ms, 100 * ms, 0, 100 * ms, 0},               // too little left: no retry
		{5000 * ms, 100 * ms, 0, 4960 * ms, 0},             // late: no retry
		{5000 * ms, 300 * ms, 10 * ms, 310 * ms, 600 * ms}, // from the first SYN
	} {
		e := newRTTEstimator(c.ceiling, false)
		if got := e.retryWait(c.first, c.sent, c.now); got != c.want {
			t.Errorf("%+v: retry wait %v", c, got)
		}
	}
}

func TestNetKey(t *testing.T) {
	same := [][2]string{{"10.1.2.3", "10.1.2.250"}, {"::ffff:10.1.2.3", "10.1.2.4"}, {"2001:db8:1:2::1", "2001:db8:1:2:ffff::9"}}
	for _, p := range same {
		if netKey(netip.MustParseAddr(p[0])) != netKey(netip.MustParseAddr(p[1])) {
			t.Errorf("%s and %s are in one network", p[0], p[1])
		}
	}
	apart := [][2]string{{"10.1.2.3", "10.1.3.3"}, {"2001:db8:1:2::1", "2001:db8:1:3::1"}, {"0.0.0.1", "::1"}}
	for _, p := range apart {
		if netKey(netip.MustParseAddr(p[0])) == netKey(netip.MustParseAddr(p[1])) {
			t.Errorf("%s and %s are in different networks", p[0], p[1])
		}
	}
}

func TestRTTHistogramQuantiles(t *testing.T) {
	var h RTTHistogram
	if h.Quantile(0.5) != 0 {
		t.Error("empty histogram has a median")
	}
	for i := 1; i <= 1000; i++ {
		h.Add(time.Duration(i) * time.Millisecond)
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Millisecond}, {0.9, 900 * time.Millisecond}, {0, time.Millisecond}} {
		got := h.Quantile(c.q)
		if math.Abs(float64(got-c.want))/float64(c.want) > 0.07 {
			t.Errorf("q%.2f = %v, want %v within 7%%", c.q, got, c.want)
		}
	}
	if h.Count() != 1000 {
		t.Errorf("count %d", h.Count())
	}
	h.Add(10 * time.Hour) // beyond the last bucket: counted in it
	if got := h.Quantile(1); got < time.Hour {
		t.Errorf("max %v", got)
	}
}

// BenchmarkRTTEstimator is the adaptive timing's cost per probe: one
// answer learned (sweep and network) and one wait computed, over the /24s
// of a /16, with the histogram the summary reads.
func BenchmarkRTTEstimator(b *testing.B) {
	e := newRTTEstimator(3*time.Second, false)
	var h RTTHistogram
	base := netip.MustParseAddr("10.7.0.0").As4()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		a := base
		a[2], a[3] = byte(i>>8), byte(i)
		ip := netip.AddrFrom4(a)
		r := time.Duration(1000+i%977) * time.Microsecond
		e.observe(ip, r)
		h.Add(r)
		if w, _ := e.wait(ip); w <= 0 {
			b.Fatal(w)
		}
		i++
	}
}
