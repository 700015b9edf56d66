// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Package testcert makes X.509 certificates for tests: CAs, intermediates and TLS server certificates
// with ECDSA P-256 keys, signed by a parent or self-signed.
package testcert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
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
}

// Cert is a certificate made for a test, with its key and PEM.
type Cert struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
	PEM  string
}

var serial atomic.Int64

// New makes the certificate of spec, signed by parent, or self-signed when parent is nil.
func New(tb testing.TB, spec Spec, parent *Cert) *Cert {
	tb.Helper()
	key := spec.Key
	if key == nil {
		var err error
		if key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			tb.Fatal(err)
		}
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
	parentCert, parentKey := tmpl, key
	if parent != nil {
		parentCert, parentKey = parent.Cert, parent.Key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parentCert, &key.PublicKey, parentKey)
	if err != nil {
		tb.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return &Cert{Cert: c, Key: key, PEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))}
}
