package server

import (
	"bytes"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tapekit/tapekit/cache"
)

// metrics are the server's Prometheus metrics: requests and their
// latency by route, problems by status, stage files by state, and the
// cache's usage read at each scrape.
type metrics struct {
	handler  http.Handler
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	problems *prometheus.CounterVec
	files    *prometheus.CounterVec
}

func newMetrics(s *Server, reg *prometheus.Registry) *metrics {
	m := &metrics{
		// Uncompressed: the answer is buffered to give it a length.
		handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{DisableCompression: true}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hsm_http_requests_total", Help: "HTTP requests answered, by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "hsm_http_request_duration_seconds", Help: "Time to answer an HTTP request, by route pattern.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 4, 10), // 0.5 ms to 2 min
		}, []string{"route"}),
		problems: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hsm_http_problems_total", Help: "Problem (error) answers, by status code.",
		}, []string{"code"}),
		files: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hsm_stage_files_total", Help: "Files of stage requests, by the state they reached: SUBMITTED when accepted, then COMPLETED, FAILED or CANCELED.",
		}, []string{"state"}),
	}
	reg.MustRegister(m.requests, m.latency, m.problems, m.files,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "hsm_stage_requests", Help: "Stage requests the server remembers.",
		}, func() float64 {
			s.stages.mu.Lock()
			defer s.stages.mu.Unlock()
			return float64(len(s.stages.reqs))
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "hsm_recalls_waiting", Help: "Recalls stage requests wait for.",
		}, func() float64 {
			s.stages.mu.Lock()
			defer s.stages.mu.Unlock()
			return float64(len(s.stages.byID))
		}),
		cacheCollector{s.cfg.Cache},
	)
	return m
}

// observe records one answered request.
func (m *metrics) observe(route, method string, status int, took time.Duration) {
	if route == "" {
		route = "none"
	}
	switch method {
	case "GET", "HEAD", "PUT", "POST", "DELETE", "PROPFIND", "MKCOL":
	default:
		method = "OTHER" // a label per invented method would grow without end
	}
	code := strconv.Itoa(status)
	m.requests.WithLabelValues(route, method, code).Inc()
	m.latency.WithLabelValues(route).Observe(took.Seconds())
	if status >= 400 {
		m.problems.WithLabelValues(code).Inc()
	}
}

// stageFiles counts n files reaching state.
func (m *metrics) stageFiles(state fileState, n int) {
	if n > 0 {
		m.files.WithLabelValues(state.String()).Add(float64(n))
	}
}

var cacheStates = []cache.State{cache.Incoming, cache.Precious, cache.Staging, cache.Online}

var (
	descCacheBytes = prometheus.NewDesc("hsm_cache_bytes", "Bytes in the disk cache by file state.", []string{"state"}, nil)
	descCacheFiles = prometheus.NewDesc("hsm_cache_files", "Files in the disk cache by state.", []string{"state"}, nil)
	descQuota      = prometheus.NewDesc("hsm_cache_quota_bytes", "The disk cache's quota.", nil, nil)
	descUsed       = prometheus.NewDesc("hsm_cache_used_bytes", "Bytes counted against the quota: files and reservations.", nil, nil)
	descReserved   = prometheus.NewDesc("hsm_cache_reserved_bytes", "Bytes reserved and not yet used by a file.", nil, nil)
	descHits       = prometheus.NewDesc("hsm_cache_hits_total", "Reads of a complete file.", nil, nil)
	descMisses     = prometheus.NewDesc("hsm_cache_misses_total", "Reads of an absent or incomplete file.", nil, nil)
	descEvictions  = prometheus.NewDesc("hsm_cache_evictions_total", "Clean files evicted to make room.", nil, nil)
	descWaiting    = prometheus.NewDesc("hsm_cache_waiting", "Writers waiting for space now.", nil, nil)
)

// cacheCollector reads the cache's Stats at each scrape.
type cacheCollector struct{ c *cache.Cache }

func (cacheCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descCacheBytes, descCacheFiles, descQuota, descUsed, descReserved, descHits, descMisses, descEvictions, descWaiting} {
		ch <- d
	}
}

func (cc cacheCollector) Collect(ch chan<- prometheus.Metric) {
	st := cc.c.Stats()
	for _, s := range cacheStates {
		ch <- prometheus.MustNewConstMetric(descCacheBytes, prometheus.GaugeValue, float64(st.Bytes[s]), s.String())
		ch <- prometheus.MustNewConstMetric(descCacheFiles, prometheus.GaugeValue, float64(st.Files[s]), s.String())
	}
	ch <- prometheus.MustNewConstMetric(descQuota, prometheus.GaugeValue, float64(st.Quota))
	ch <- prometheus.MustNewConstMetric(descUsed, prometheus.GaugeValue, float64(st.Used))
	ch <- prometheus.MustNewConstMetric(descReserved, prometheus.GaugeValue, float64(st.Reserved))
	ch <- prometheus.MustNewConstMetric(descHits, prometheus.CounterValue, float64(st.Hits))
	ch <- prometheus.MustNewConstMetric(descMisses, prometheus.CounterValue, float64(st.Misses))
	ch <- prometheus.MustNewConstMetric(descEvictions, prometheus.CounterValue, float64(st.Evictions))
	ch <- prometheus.MustNewConstMetric(descWaiting, prometheus.GaugeValue, float64(st.Waiting))
}

// serveMetrics is GET /metrics. promhttp renders into a buffer first, so
// that this answer too goes out with a Content-Length.
func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	var buf bufferedResponse
	buf.header = http.Header{}
	s.metrics.handler.ServeHTTP(&buf, r)
	for k, v := range buf.header {
		w.Header()[k] = v
	}
	if buf.status == 0 {
		buf.status = http.StatusOK
	}
	writeBody(w, buf.status, buf.header.Get("Content-Type"), buf.body.Bytes())
}

// bufferedResponse is an http.ResponseWriter that keeps what is written.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}
