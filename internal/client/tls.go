package client

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"time"

	"github.com/sactl/sactl/internal/domain"
)

// maxCAFile bounds a CA file: a bundle of a few hundred certificates.
const maxCAFile = 4 << 20

// LoadCAPool reads a PEM file of CA certificates to trust instead of the
// system's (R-SRV-5: a server with a certificate from a private CA). A file
// that is missing, unreadable, or holds no certificate is a clear error.
func LoadCAPool(file string) (*x509.CertPool, error) {
	st, err := os.Stat(file)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, domain.Invalidf("CA certificate file %s does not exist", domain.Quote(file))
	case err != nil:
		return nil, domain.Invalidf("cannot read the CA certificate file %s: %v", domain.Quote(file), errors.Unwrap(err))
	case st.IsDir():
		return nil, domain.Invalidf("CA certificate file %s is a directory", domain.Quote(file))
	case st.Size() > maxCAFile:
		return nil, domain.Invalidf("CA certificate file %s is over 4 MiB: not a CA bundle", domain.Quote(file))
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, domain.Invalidf("cannot read the CA certificate file %s: %v", domain.Quote(file), errors.Unwrap(err))
	}
	pool := x509.NewCertPool()
	n := 0
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue // a key or parameters beside the certificates: not trusted, not an error
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, domain.Invalidf("CA certificate file %s holds a certificate that does not parse: %v", domain.Quote(file), err)
		}
		pool.AddCert(cert)
		n++
	}
	if n == 0 {
		return nil, domain.Invalidf("CA certificate file %s holds no PEM certificate (-----BEGIN CERTIFICATE-----)", domain.Quote(file))
	}
	return pool, nil
}

// HTTPClient is the client's HTTP client: the system's trusted CAs, or,
// with caFile, only the CAs in it (as curl --cacert).
func HTTPClient(caFile string) (*http.Client, error) {
	hc := &http.Client{Timeout: 60 * time.Second}
	if caFile == "" {
		return hc, nil
	}
	pool, err := LoadCAPool(caFile)
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	hc.Transport = tr
	return hc, nil
}
