package webhook

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"sync"
	"time"
)

// clientTimeout bounds a whole request in the default clients; each
// request's own timeout (at most 60s) is shorter.
const clientTimeout = 65 * time.Second

// maxCAClients bounds the clients kept for custom CA bundles.
const maxCAClients = 64

// Clients hands out the HTTP clients of webhook requests: one for the
// system roots and one per custom CA bundle, all dialing through the same
// GuardedDialer, and never through a proxy from the environment (a proxy
// would connect to the receiver on our behalf, out of the dialer's sight).
// It is safe for concurrent use.
type Clients struct {
	// Fixed, when set, serves every request (a client given by the caller).
	Fixed *http.Client
	// Dial connects every client's requests.
	Dial *GuardedDialer
	// IdlePerHost bounds each client's idle connections to one host
	// (<= 0: net/http's default).
	IdlePerHost int

	once sync.Once
	base *http.Client
	mu   sync.Mutex
	byCA map[[sha256.Size]byte]*http.Client
}

// Get returns the client for caPEM (nil: the system roots). An error means
// caPEM holds no certificate; its text names neither the data nor a URL.
func (c *Clients) Get(caPEM []byte) (*http.Client, error) {
	if c.Fixed != nil {
		return c.Fixed, nil
	}
	if len(caPEM) == 0 {
		c.once.Do(func() { c.base = c.newClient(nil) })
		return c.base, nil
	}
	key := sha256.Sum256(caPEM)
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.byCA[key]; ok {
		return cl, nil
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("the CA bundle holds no PEM certificate")
	}
	if c.byCA == nil || len(c.byCA) >= maxCAClients { // rotated bundles leave old ones behind
		for _, old := range c.byCA {
			old.CloseIdleConnections()
		}
		c.byCA = map[[sha256.Size]byte]*http.Client{}
	}
	cl := c.newClient(pool)
	c.byCA[key] = cl
	return cl, nil
}

func (c *Clients) newClient(roots *x509.CertPool) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.DialContext = c.Dial.DialContext
	t.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	if c.IdlePerHost > 0 {
		t.MaxIdleConnsPerHost = c.IdlePerHost
	}
	return &http.Client{Transport: t, Timeout: clientTimeout}
}
