// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Package testcert makes X.509 certificates for tests: CAs, intermediates and TLS server certificates
// with ECDSA P-256 keys (or, when asked, RSA keys, other curves and SHA-1 signatures), signed by a
// parent or self-signed.
package testcert

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// Spec describes a certificate: a CA when CA is set, else a TLS server certificate.
type Spec struct {
	CommonName, Organization string
	DNSNames                 []string
	IPAddresses              []net.IP
	CA                       bool
	NotBefore, NotAfter      time.Time
	// Key, when set, is the certificate's key (a CA made again with the same name has another one
	// unless it is given); nil makes a new one.
	Key *ecdsa.PrivateKey
	// RSABits, when set and Key is nil, makes an RSA key of that many bits instead of an ECDSA key
	// (1024 for a key too weak for TLS).
	RSABits int
	// Curve, when set and Key is nil, is the curve of the new ECDSA key instead of P-256
	// (elliptic.P224() for a key too weak for TLS).
	Curve elliptic.Curve
	// SignatureAlgorithm, when set, is the algorithm the parent signs the certificate with, e.g.
	// x509.SHA1WithRSA (which needs a parent with an RSA key); the default follows the parent's key.
	SignatureAlgorithm x509.SignatureAlgorithm
}

// Cert is a certificate made for a test, with its key and PEM.
type Cert struct {
	Cert *x509.Certificate
	// Key is the certificate's key when it is an ECDSA key, nil otherwise.
	Key *ecdsa.PrivateKey
	// Signer is the certificate's key, whatever its kind; a Cert made by hand may leave it nil and
	// set Key.
	Signer crypto.Signer
	PEM    string
}

var serial atomic.Int64

// New makes the certificate of spec, signed by parent, or self-signed when parent is nil.
func New(tb testing.TB, spec Spec, parent *Cert) *Cert {
	tb.Helper()
	key := spec.Key
	var signer crypto.Signer = key
	switch {
	case key != nil:
	case spec.RSABits > 0:
		rk, err := rsa.GenerateKey(rand.Reader, spec.RSABits)
		if err != nil {
			tb.Fatal(err)
		}
		signer = rk
	default:
		curve := spec.Curve
		if curve == nil {
			curve = elliptic.P256()
		}
		var err error
		if key, err = ecdsa.GenerateKey(curve, rand.Reader); err != nil {
			tb.Fatal(err)
		}
		signer = key
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial.Add(1)),
		Subject:               pkix.Name{CommonName: spec.CommonName},
		NotBefore:             spec.NotBefore,
		NotAfter:              spec.NotAfter,
		DNSNames:              spec.DNSNames,
		IPAddresses:           spec.IPAddresses,
		BasicConstraintsValid: true,
		IsCA:                  spec.CA,
		SignatureAlgorithm:    spec.SignatureAlgorithm,
	}
	if spec.Organization != "" {
		tmpl.Subject.Organization = []string{spec.Organization}
	}
	if spec.CA {
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	} else {
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	parentCert, parentKey := tmpl, signer
	if parent != nil {
		parentCert, parentKey = parent.Cert, parent.Signer
		if parentKey == nil {
			parentKey = parent.Key
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parentCert, signer.Public(), parentKey)
	if err != nil {
		tb.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return &Cert{Cert: c, Key: key, Signer: signer, PEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))}
}

// KeyPEM is the certificate's ECDSA key in PEM (an "EC PRIVATE KEY" block), for a test server that
// serves the certificate.
func (c *Cert) KeyPEM(tb testing.TB) []byte {
	tb.Helper()
	if c.Key == nil {
		tb.Fatal("testcert: the certificate has no ECDSA key")
	}
	der, err := x509.MarshalECPrivateKey(c.Key)
	if err != nil {
		tb.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
}
