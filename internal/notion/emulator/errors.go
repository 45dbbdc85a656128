package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// apiError is a Notion error response (notion-api.md §5.1). Handlers return it and
// the server renders the envelope, so every error has the same shape and request id.
type apiError struct {
	status     int
	code       string
	message    string
	retryAfter string         // Retry-After header value, "" for none
	additional map[string]any // additional_data, nil for none
}

func (e *apiError) Error() string { return e.message }

func newError(status int, code, format string, a ...any) *apiError {
	msg := format
	if len(a) > 0 {
		msg = fmt.Sprintf(format, a...)
	}
	return &apiError{status: status, code: code, message: msg}
}

// validation returns a 400 validation_error with a free-form message.
func validation(format string, a ...any) *apiError {
	return newError(http.StatusBadRequest, "validation_error", format, a...)
}

// notFound is the 404 Notion returns for a missing and for an unshared object alike;
// the id is always the dashed form (notion-api.md §1, §2.2).
func notFound(kind, id string) *apiError {
	return newError(http.StatusNotFound, "object_not_found",
		"Could not find %s with ID: %s. Make sure the relevant pages and databases are shared with your integration.", kind, id)
}

func invalidRequestURL() *apiError {
	return newError(http.StatusBadRequest, "invalid_request_url", "Invalid request URL.")
}

// shown renders a JSON value the way Notion's validator quotes it; nil is JavaScript's
// undefined.
func shown(raw json.RawMessage) string {
	if raw == nil {
		return "undefined"
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return string(raw)
	}
	return string(mustJSON(v))
}

// shouldBe formats one line of Notion's validator grammar (notion-api.md §4):
// "<path> should be <what>, instead was `<json>`.".
func shouldBe(path, what string, got json.RawMessage) string {
	return fmt.Sprintf("%s should be %s, instead was `%s`.", path, what, shown(got))
}

// bodyInvalid is the single-problem validation error:
// "body failed validation: <path> should be …, instead was `…`.".
func bodyInvalid(path, what string, got json.RawMessage) *apiError {
	return validation("body failed validation: %s", shouldBe(path, what, got))
}

// fixOne is the union-mismatch validation error, one line per alternative.
func fixOne(lines []string) *apiError {
	return validation("body failed validation. Fix one:\n%s", strings.Join(lines, "\n"))
}

// tooLong is the limit message: "<path>.length should be ≤ `N`, instead was `M`.".
func tooLong(path string, limit, got int) *apiError {
	return validation("body failed validation: %s.length should be ≤ `%d`, instead was `%d`.", path, limit, got)
}

// errorBody is the JSON envelope of every Notion error.
type errorBody struct {
	Object         string         `json:"object"`
	Status         int            `json:"status"`
	Code           string         `json:"code"`
	Message        string         `json:"message"`
	RequestID      string         `json:"request_id"`
	AdditionalData map[string]any `json:"additional_data,omitempty"`
}

// faultError builds the Notion JSON error for an injected or rate-limit status, with
// the codes and messages of notion-api.md §5.2.
func faultError(status int) *apiError {
	switch status {
	case http.StatusTooManyRequests:
		return newError(status, "rate_limited", "You have been rate limited. Please try again in a few minutes.")
	case 529:
		return newError(status, "service_overload", "Notion is overloaded. Please try again later.")
	case http.StatusConflict:
		return newError(status, "conflict_error", "Conflict occurred while saving. Please try again.")
	case http.StatusInternalServerError:
		return newError(status, "internal_server_error", "Unexpected error occurred.")
	case http.StatusBadGateway:
		return newError(status, "bad_gateway", "Bad Gateway")
	case http.StatusServiceUnavailable:
		return newError(status, "service_unavailable", "Notion is unavailable, please try again later.")
	case http.StatusGatewayTimeout:
		return newError(status, "gateway_timeout", "Gateway Timeout")
	case http.StatusNotFound:
		return newError(status, "object_not_found", "Could not find the requested object. Make sure the relevant pages and databases are shared with your integration.")
	case http.StatusUnauthorized:
		return newError(status, "unauthorized", "API token is invalid.")
	case http.StatusForbidden:
		return newError(status, "restricted_resource", "API token does not have access to this resource.")
	case http.StatusBadRequest:
		return newError(status, "validation_error", "body failed validation.")
	default:
		return newError(status, "internal_server_error", "%s", http.StatusText(status))
	}
}

// htmlErrorPage is what an edge proxy sends instead of Notion JSON (notion-api.md
// §5.1): clients that assume a JSON error body must cope with it.
func htmlErrorPage(status int) string {
	text := fmt.Sprintf("%d %s", status, http.StatusText(status))
	if status == 529 {
		text = "529 Site is overloaded"
	}
	return "<html>\r\n<head><title>" + text + "</title></head>\r\n<body>\r\n<center><h1>" + text +
		"</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n"
}
