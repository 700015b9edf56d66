// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Package certpem holds the rule that every input of PEM certificates shares (a TLS certificate
// chain, the CA certificates of a registry, of a database server or of the ingresses): a private key
// never goes in one. Its refusal names the key by its PEM type only and never repeats the value.
package certpem

import (
	"encoding/pem"
	"fmt"
	"strings"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/inputerr"
)

// PrivateKeySummary is the summary of the refusal of a private key where certificates belong.
const PrivateKeySummary = "Private Key Instead of Certificate"

// CheckNoPrivateKey refuses a value of input, an attribute that takes PEM certificates, when it holds
// a private key anywhere, before or after certificates: a PEM block whose type names a private key
// ("PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY", ...), or the
// "-----BEGIN ... PRIVATE KEY-----" line of one that does not decode. The refusal is an
// *inputerr.Error on input: it names what was found by its PEM type, says to treat the key as
// exposed, and ends with example, a valid value such as `ca_certificate = file("ca.pem")`. It never
// quotes the value.
func CheckNoPrivateKey(input, example, s string) error {
	kind, ok := privateKeyKind(s)
	if !ok {
		return nil
	}
	return inputerr.New(input, PrivateKeySummary,
		"the value holds a private key (%s), not a certificate; this message does not repeat it. A private key never goes in %s "+
			"(rule: PEM certificates only, each from \"-----BEGIN CERTIFICATE-----\" to \"-----END CERTIFICATE-----\"): remove it, and if the "+
			"configuration has been shared or committed, treat the key as exposed and have the certificate reissued with a new key. Give e.g. %s",
		kind, input, example)
}

// privateKeyKind finds a private key in a PEM value, complete or not, and names its PEM type.
func privateKeyKind(s string) (string, bool) {
	rest := []byte(s)
	for {
		block, r := pem.Decode(rest)
		if block == nil {
			break
		}
		rest = r
		if strings.Contains(block.Type, "PRIVATE KEY") {
			return fmt.Sprintf("a PEM block of type %q", block.Type), true
		}
	}
	if strings.Contains(s, "PRIVATE KEY-----") {
		return "a \"-----BEGIN ... PRIVATE KEY-----\" line", true
	}
	return "", false
}
