package delivery

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

// clients hands out the HTTP clients of webhook requests: one for the
// system roots and one per custom CA bundle, all dialing through the same
// GuardedDialer, and never through a proxy from the environment (a proxy
// would connect to the receiver on our behalf, out of the dialer's sight).
type clients struct {
	// fixed, when set, serves every request (Options.HTTPClient).
	fixed *http.Client
	dial  *GuardedDialer

	once sync.Once
	base *http.Client
	mu   sync.Mutex
	byCA map[[sha256.Size]byte]*http.Client
}

// get returns the client for caPEM (nil: the system roots). An error means
// caPEM holds no certificate; its text names neither the data nor a URL.
func (c *clients) get(caPEM []byte) (*http.Client, error) {
	if c.fixed != nil {
		return c.fixed, nil
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

func (c *clients) newClient(roots *x509.CertPool) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.DialContext = c.dial.DialContext
	t.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	t.MaxIdleConnsPerHost = DefaultPerDestination
	return &http.Client{Transport: t, Timeout: clientTimeout}
}
