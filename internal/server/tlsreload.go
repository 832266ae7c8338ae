package server

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"sync/atomic"
)

// CertReloader serves a TLS certificate that SIGHUP can replace without
// dropping the listener (R-SRV-7): new handshakes get the certificate last
// loaded; connections already open keep theirs.
type CertReloader struct {
	certFile, keyFile string
	cert              atomic.Pointer[tls.Certificate]
}

// NewCertReloader loads the certificate and key once; an error is the
// server's to refuse to start with.
func NewCertReloader(certFile, keyFile string) (*CertReloader, error) {
	c := &CertReloader{certFile: certFile, keyFile: keyFile}
	if _, err := c.Reload(); err != nil {
		return nil, err
	}
	return c, nil
}

// Reload reads the files again. On error the certificate in use stays.
func (c *CertReloader) Reload() (*x509.Certificate, error) {
	cert, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		return nil, fmt.Errorf("load TLS certificate %s and key %s: %w", c.certFile, c.keyFile, err)
	}
	leaf := cert.Leaf // parsed by LoadX509KeyPair since Go 1.23
	if leaf == nil {
		if leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return nil, fmt.Errorf("parse TLS certificate %s: %w", c.certFile, err)
		}
		cert.Leaf = leaf
	}
	c.cert.Store(&cert)
	return leaf, nil
}

// GetCertificate is for tls.Config.GetCertificate.
func (c *CertReloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return c.cert.Load(), nil
}

// TLSConfig is the listener's TLS configuration: TLS 1.2 or later, the
// certificate from c.
func (c *CertReloader) TLSConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: c.GetCertificate}
}
