package artifacttest

import (
	"net/url"
	"testing"
)

// TestConstants checks that the constants written out agree with what they
// are said to be, so a test that trusts one trusts the other.
func TestConstants(t *testing.T) {
	t.Parallel()
	if got := Token(RuntimeTokenPayload); got != RuntimeToken {
		t.Errorf("Token(RuntimeTokenPayload) = %q, want RuntimeToken %q", got, RuntimeToken)
	}
	q, err := url.ParseQuery(SASQuery)
	if err != nil {
		t.Fatal(err)
	}
	if got := q.Get("sig"); got != SASSignature {
		t.Errorf("SASQuery's sig = %q, want SASSignature %q", got, SASSignature)
	}
	if got := url.QueryEscape(SASSignature); got != SASSignatureEscaped {
		t.Errorf("QueryEscape(SASSignature) = %q, want SASSignatureEscaped %q", got, SASSignatureEscaped)
	}
}
