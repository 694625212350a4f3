package webhook

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
)

// fakeResolver answers every name with the same addresses, and counts lookups.
type fakeResolver struct {
	addrs   []netip.Addr
	lookups atomic.Int32
}

func (f *fakeResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	f.lookups.Add(1)
	return f.addrs, nil
}

// countingServer is a receiver that counts the requests it gets.
func countingServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func guardEvent(t *testing.T) event.Event {
	t.Helper()
	ev, err := NewEvent(EventID("crm", "uid-1", "Breached", "1"), "io.servicedesk.complaint.breached",
		"/namespaces/crm/complaints/c1", "c1", time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), map[string]string{"name": "c1"})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// nameURL points at srv through the host name receiver.example.
func nameURL(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Scheme + "://receiver.example:" + u.Port() + "/hook?token=url-token"
}

func TestGuardedDialerRefusesNameResolvingToLoopback(t *testing.T) {
	srv, hits := countingServer(t)
	res := &fakeResolver{addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}}
	c := &Clients{Dial: &GuardedDialer{Resolver: res}}
	hc, _ := c.Get(nil)
	s := &Sender{Client: hc, Timeout: 5 * time.Second}

	got, err := s.Send(context.Background(), nameURL(t, srv), guardEvent(t), nil, time.Now())
	if err != nil {
		t.Fatalf("Send() error = %v", err)
	}
	if got.Outcome != Refused || got.Message != "refused: 127.0.0.1 is loopback (allow with --webhook-allowed-cidrs)" {
		t.Errorf("Send() = %+v, want Refused naming 127.0.0.1", got)
	}
	if strings.Contains(got.Message, "url-token") || strings.Contains(got.Message, "receiver.example") {
		t.Errorf("message %q leaks the URL", got.Message)
	}
	if hits.Load() != 0 {
		t.Errorf("the receiver got %d requests, want none", hits.Load())
	}
	if res.lookups.Load() == 0 {
		t.Error("the name was never resolved by the dialer: the check did not run at connect time")
	}

	// The same name, allowed by the allow-list, is delivered.
	c = &Clients{Dial: &GuardedDialer{Resolver: res, Policy: AddressPolicy{Allowed: testLoopback}}}
	hc, _ = c.Get(nil)
	s.Client = hc
	if got, err := s.Send(context.Background(), nameURL(t, srv), guardEvent(t), nil, time.Now()); err != nil || got.Outcome != Delivered {
		t.Errorf("allowed Send() = %+v, %v; want Delivered", got, err)
	}
	if hits.Load() != 1 {
		t.Errorf("the receiver got %d requests, want 1", hits.Load())
	}
}

// A name that resolves to a public address and an internal one is refused
// as a whole: the dialer never picks the internal one, whatever the order.
func TestGuardedDialerRefusesWhenAnyAddressIsRefused(t *testing.T) {
	for _, addrs := range [][]string{{"93.184.216.34", "169.254.169.254"}, {"::ffff:169.254.169.254", "93.184.216.34"}} {
		res := &fakeResolver{}
		for _, a := range addrs {
			res.addrs = append(res.addrs, netip.MustParseAddr(a))
		}
		d := &GuardedDialer{Resolver: res}
		conn, err := d.DialContext(context.Background(), "tcp", "metadata.example:80")
		if conn != nil {
			_ = conn.Close() // refused dials return no connection; closing one would only tidy up
		}
		if err == nil || !strings.Contains(err.Error(), "refused: 169.254.169.254 is link-local (cloud metadata)") {
			t.Errorf("DialContext with %v = %v, want refused naming 169.254.169.254", addrs, err)
		}
	}
}

// Rebinding: a resolver whose second answer is internal cannot reach it,
// because every connection resolves and checks again.
func TestGuardedDialerChecksEveryConnection(t *testing.T) {
	srv, hits := countingServer(t)
	res := &fakeResolver{addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}}
	// 127.0.0.2 stands for the receiver's public address.
	d := &GuardedDialer{Resolver: res, Policy: AddressPolicy{Allowed: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}}
	c := &Clients{Dial: d}
	hc, _ := c.Get(nil)
	hc.Transport.(*http.Transport).DisableKeepAlives = true
	s := &Sender{Client: hc, Timeout: 5 * time.Second}
	if got, _ := s.Send(context.Background(), nameURL(t, srv), guardEvent(t), nil, time.Now()); got.Outcome != Delivered {
		t.Fatalf("first Send() = %+v, want Delivered", got)
	}
	res.addrs = []netip.Addr{netip.MustParseAddr("169.254.169.254")}
	if got, _ := s.Send(context.Background(), nameURL(t, srv), guardEvent(t), nil, time.Now()); got.Outcome != Refused {
		t.Fatalf("Send() after rebinding = %+v, want Refused", got)
	}
	if hits.Load() != 1 {
		t.Errorf("the receiver got %d requests, want 1", hits.Load())
	}
}

// The socket's Control hook refuses an address even when the dialer's
// own check were bypassed.
func TestGuardedDialerControlHook(t *testing.T) {
	d := &GuardedDialer{}
	if err := d.control("tcp4", "127.0.0.1:80", nil); err == nil || !strings.Contains(err.Error(), "127.0.0.1 is loopback") {
		t.Errorf("control(127.0.0.1) = %v, want refused", err)
	}
	if err := d.control("tcp6", "[::ffff:169.254.169.254]:80", nil); err == nil {
		t.Error("control(mapped metadata) allowed, want refused")
	}
	if err := d.control("tcp4", "93.184.216.34:443", nil); err != nil {
		t.Errorf("control(93.184.216.34) = %v, want allowed", err)
	}
}

// Literal addresses in the URL are checked too, and a refusal is not a
// receiver failure.
func TestSendRefusesLiteralMetadataAddress(t *testing.T) {
	c := &Clients{Dial: &GuardedDialer{}}
	hc, _ := c.Get(nil)
	s := &Sender{Client: hc, Timeout: 2 * time.Second}
	for _, u := range []string{"http://169.254.169.254/latest/meta-data/", "http://[::ffff:169.254.169.254]/", "http://[fe80::1%25lo]:8080/", "http://0.0.0.0:80/", "http://[::1]:9/"} {
		got, err := s.Send(context.Background(), u, guardEvent(t), nil, time.Now())
		if err != nil || got.Outcome != Refused || !strings.HasPrefix(got.Message, "refused: ") {
			t.Errorf("Send(%s) = %+v, %v; want Refused", u, got, err)
		}
	}
}

// No proxy from the environment: a proxy would connect on our behalf,
// out of the dialer's sight.
func TestClientsUseNoProxy(t *testing.T) {
	c := &Clients{Dial: &GuardedDialer{}}
	hc, _ := c.Get(nil)
	tr := hc.Transport.(*http.Transport)
	if tr.Proxy != nil {
		t.Error("the webhook transport uses a proxy function, want none")
	}
	if tr.DialContext == nil {
		t.Error("the webhook transport has no guarded DialContext")
	}
}

func TestClientsCustomCA(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }))
	defer srv.Close()
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	c := &Clients{Dial: &GuardedDialer{Policy: AddressPolicy{Allowed: testLoopback}}}

	system, _ := c.Get(nil)
	s := &Sender{Client: system, Timeout: 5 * time.Second}
	got, _ := s.Send(context.Background(), srv.URL, guardEvent(t), nil, time.Now())
	if got.Outcome != Retry || !strings.Contains(got.Message, "certificate") {
		t.Errorf("Send() with the system roots = %+v, want a certificate error", got)
	}

	custom, err := c.Get(caPEM)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := c.Get(caPEM); again != custom {
		t.Error("the same CA bundle gave a second client, want it reused")
	}
	s.Client = custom
	if got, _ := s.Send(context.Background(), srv.URL, guardEvent(t), nil, time.Now()); got.Outcome != Delivered {
		t.Errorf("Send() with the custom CA = %+v, want Delivered", got)
	}
	if hits.Load() != 1 {
		t.Errorf("the receiver got %d requests, want 1", hits.Load())
	}
	if _, err := c.Get([]byte("not a certificate")); err == nil || strings.Contains(err.Error(), "not a certificate") {
		t.Errorf("Get(garbage) = %v, want an error that does not echo the data", err)
	}
}

// A receiver answering with megabytes of garbage costs a bounded read.
func TestSendReadsBoundedBody(t *testing.T) {
	var written atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		chunk := []byte(strings.Repeat("\x00garbage", 4096))
		for range 2048 { // 64 MiB
			n, err := w.Write(chunk)
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	c := &Clients{Dial: &GuardedDialer{Policy: AddressPolicy{Allowed: testLoopback}}}
	hc, _ := c.Get(nil)
	s := &Sender{Client: hc, Timeout: 5 * time.Second}
	started := time.Now()
	got, _ := s.Send(context.Background(), srv.URL, guardEvent(t), nil, time.Now())
	if took := time.Since(started); took > 3*time.Second {
		t.Errorf("Send() took %v, want the body read bounded", took)
	}
	if got.Outcome != Retry || got.StatusCode != http.StatusBadGateway || len(got.Message) > 300 {
		t.Errorf("Send() = %+v, want Retry 502 with a short message", got)
	}
	hc.CloseIdleConnections()
	srv.CloseClientConnections()
	if w := written.Load(); w >= 64<<20 {
		t.Errorf("the receiver wrote all %d bytes: the body was read to the end", w)
	}
}
