package emulator

import (
	"strings"
	"testing"
)

// notion-api.md §1, §5.2: a missing or bad bearer is 401 unauthorized, a missing
// Notion-Version 400 missing_version; auth is checked first (§11).
func TestHeaders(t *testing.T) {
	t.Parallel()
	s := newServer(t, Options{Token: "ntn_test"})
	tests := []struct {
		name       string
		hdr        []string
		wantStatus int
		wantCode   string
		wantMsg    string
	}{
		{"ok", nil, 200, "", ""},
		{"no authorization", []string{"Authorization", ""}, 401, "unauthorized", "API token is invalid."},
		{"wrong token", []string{"Authorization", "Bearer ntn_other"}, 401, "unauthorized", "API token is invalid."},
		{"not bearer", []string{"Authorization", "Basic ntn_test"}, 401, "unauthorized", "API token is invalid."},
		{"bare token", []string{"Authorization", "ntn_test"}, 401, "unauthorized", "API token is invalid."},
		{"auth before version", []string{"Authorization", "", "Notion-Version", ""}, 401, "unauthorized", "API token is invalid."},
		// §5.2 gives this message exactly, without backticks.
		{"no version", []string{"Notion-Version", ""}, 400, "missing_version",
			"Notion-Version header failed validation: Notion-Version header should be defined, instead was undefined."},
		// §8: the emulator speaks the three versions the product supports.
		{"2025-09-03", []string{"Notion-Version", "2025-09-03"}, 200, "", ""},
		{"2026-03-11", []string{"Notion-Version", "2026-03-11"}, 200, "", ""},
		// A version that is present is not missing: validation_error, naming the
		// versions the emulator speaks.
		{"other version", []string{"Notion-Version", "2024-01-01"}, 400, "validation_error",
			"Notion-Version 2024-01-01 is not supported by this emulator, which speaks 2022-06-28, 2025-09-03, 2026-03-11."},
	}
	for _, tt := range tests {
		r := call(t, s, "GET", "/v1/users/me", "", tt.hdr...)
		if r.status != tt.wantStatus {
			t.Errorf("%s: status %d, want %d (%s)", tt.name, r.status, tt.wantStatus, r.body)
			continue
		}
		if tt.wantCode == "" {
			continue
		}
		e := r.errBody(t)
		if e.Object != "error" || e.Status != tt.wantStatus || e.Code != tt.wantCode || e.Message != tt.wantMsg {
			t.Errorf("%s: error %+v, want code %s message %q", tt.name, e, tt.wantCode, tt.wantMsg)
		}
	}
}

// notion-api.md §1, §2.2: ids are accepted dashed or undashed and in any case;
// responses always use the dashed lowercase form; unknown and unshared ids are the
// same 404, whose message carries the dashed id.
func TestIDs(t *testing.T) {
	t.Parallel()
	s, dbID := withDefaultDB(t, Options{})
	pageID := seed(t, s, dbID, `{"Module":`+title("core")+`}`)
	for _, id := range []string{pageID, undash(pageID), strings.ToUpper(undash(pageID)), strings.ToUpper(pageID)} {
		r := call(t, s, "GET", "/v1/pages/"+id, "")
		if r.status != 200 || r.obj(t)["id"] != pageID {
			t.Errorf("GET /v1/pages/%s = %d id %v, want 200 id %s", id, r.status, r.obj(t)["id"], pageID)
		}
	}
	r := call(t, s, "POST", "/v1/pages", `{"parent":{"database_id":"`+strings.ToUpper(undash(dbID))+`"},"properties":{}}`)
	if r.status != 200 {
		t.Fatalf("create with undashed upper-case parent = %d %s", r.status, r.body)
	}
	if parent := r.obj(t)["parent"].(map[string]any); parent["database_id"] != dbID {
		t.Errorf("parent.database_id = %v, want dashed %s", parent["database_id"], dbID)
	}

	const missing = "4cc3b486aaaa4bbb8ccc1234567890ab"
	const missingDashed = "4cc3b486-aaaa-4bbb-8ccc-1234567890ab"
	tests := []struct{ path, kind string }{
		{"/v1/pages/" + missing, "page"},
		{"/v1/databases/" + missing, "database"},
		{"/v1/databases/" + missing + "/query", "database"},
	}
	for _, tt := range tests {
		method := "GET"
		if strings.HasSuffix(tt.path, "/query") {
			method = "POST"
		}
		r := call(t, s, method, tt.path, "")
		e := r.errBody(t)
		want := "Could not find " + tt.kind + " with ID: " + missingDashed + ". Make sure the relevant pages and databases are shared with your integration."
		if r.status != 404 || e.Code != "object_not_found" || e.Message != want {
			t.Errorf("%s %s = %d %+v, want 404 %q", method, tt.path, r.status, e, want)
		}
	}

	// Unshared looks exactly like missing, for the database and its pages.
	s.SetShared(dbID, false)
	r = call(t, s, "GET", "/v1/databases/"+undash(dbID), "")
	if e := r.errBody(t); r.status != 404 || !strings.Contains(e.Message, "Could not find database with ID: "+dbID+".") {
		t.Errorf("unshared database = %d %+v, want 404 with dashed id", r.status, e)
	}
	if r := call(t, s, "GET", "/v1/pages/"+pageID, ""); r.status != 404 {
		t.Errorf("page of unshared database = %d, want 404", r.status)
	}
	s.SetShared(dbID, true)
	if r := call(t, s, "GET", "/v1/pages/"+pageID, ""); r.status != 200 {
		t.Errorf("page after re-sharing = %d, want 200", r.status)
	}
}

// notion-api.md §1: a malformed id in the path is 400 validation_error with the
// path message.
func TestBadPathID(t *testing.T) {
	t.Parallel()
	s := newServer(t, Options{})
	tests := []struct{ method, path, want string }{
		{"GET", "/v1/databases/not-a-uuid", "path failed validation: path.database_id should be a valid uuid, instead was `\"not-a-uuid\"`."},
		{"POST", "/v1/databases/1234/query", "path failed validation: path.database_id should be a valid uuid, instead was `\"1234\"`."},
		{"PATCH", "/v1/pages/zz3f0c2e7a1b4c8d9e0f1a2b3c4d5e6f", "path failed validation: path.page_id should be a valid uuid, instead was `\"zz3f0c2e7a1b4c8d9e0f1a2b3c4d5e6f\"`."},
	}
	for _, tt := range tests {
		r := call(t, s, tt.method, tt.path, "{}")
		if e := r.errBody(t); r.status != 400 || e.Code != "validation_error" || e.Message != tt.want {
			t.Errorf("%s %s = %d %+v, want %q", tt.method, tt.path, r.status, e, tt.want)
		}
	}
}

// notion-api.md §1, §5.1: every response has x-notion-request-id, and error bodies
// carry the same id as request_id; JSON responses are application/json.
func TestRequestIDAndEnvelope(t *testing.T) {
	t.Parallel()
	s := newServer(t, Options{})
	ok := call(t, s, "GET", "/v1/users/me", "")
	if ok.header.Get("x-notion-request-id") == "" || !strings.HasPrefix(ok.header.Get("Content-Type"), "application/json") {
		t.Errorf("success headers = %v", ok.header)
	}
	bad := call(t, s, "GET", "/v1/nope", "")
	e := bad.errBody(t)
	if e.RequestID == "" || e.RequestID != bad.header.Get("x-notion-request-id") {
		t.Errorf("request_id %q, header %q: want equal and non-empty", e.RequestID, bad.header.Get("x-notion-request-id"))
	}
	if ok.header.Get("x-notion-request-id") == bad.header.Get("x-notion-request-id") {
		t.Error("two requests share a request id")
	}
}

// notion-api.md §1, §11 step 2: an empty POST body is {}, as go-notion sends for
// QueryDatabase(ctx, id, nil); a body that is not JSON is 400 invalid_json.
func TestBodyParsing(t *testing.T) {
	t.Parallel()
	s, dbID := withDefaultDB(t, Options{})
	if r := call(t, s, "POST", "/v1/databases/"+dbID+"/query", ""); r.status != 200 {
		t.Errorf("empty query body = %d %s, want 200", r.status, r.body)
	}
	r := call(t, s, "POST", "/v1/databases/"+dbID+"/query", `{"page_size":`)
	if e := r.errBody(t); r.status != 400 || e.Code != "invalid_json" || e.Message != "Error parsing JSON body." {
		t.Errorf("broken JSON = %d %+v, want 400 invalid_json", r.status, e)
	}
	r = call(t, s, "POST", "/v1/pages", `[1]`)
	if e := r.errBody(t); r.status != 400 || e.Message != "body failed validation: body should be an object, instead was `[1]`." {
		t.Errorf("array body = %d %+v", r.status, e)
	}
	r = call(t, s, "POST", "/v1/pages", ``)
	if e := r.errBody(t); r.status != 400 || e.Message != "body failed validation: body.parent should be defined, instead was `undefined`." {
		t.Errorf("empty create body = %d %+v", r.status, e)
	}
}
