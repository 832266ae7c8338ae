package output_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	gojson "github.com/goccy/go-json"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/output"
)

// WriteJSON (and the server) encode with goccy/go-json for speed (P-4); what it writes
// must stay byte for byte what encoding/json writes (R-CLI-1: JSON is
// stable), for every type sactl prints, filled at random: nil and empty
// maps and slices, nil and set pointers, zero and set times, omitempty
// fields, strings that need escaping, text marshalers.
func TestWriteJSONIsEncodingJSON(t *testing.T) {
	values := []any{
		domain.Account{}, domain.User{}, domain.Group{}, domain.Business{}, domain.Seats{}, domain.Key{},
		domain.KeyInventoryItem{}, domain.AuditEvent{}, domain.AuditCheck{}, domain.Verification{},
		domain.MintedToken{}, domain.UserToken{}, domain.TokenRecord{}, domain.Settings{}, domain.SettingDef{},
		domain.Confirmation{}, api.CreatedAccount{}, api.Setting{}, api.Mutation{}, api.ErrorBody{},
		api.Page[domain.Account]{},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, v := range values {
		typ := reflect.TypeOf(v)
		for i := range 2000 {
			p := reflect.New(typ)
			fill(rng, p.Elem(), 0)
			var want bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetIndent("", "  ")
			enc.SetEscapeHTML(false)
			wantErr := enc.Encode(p.Interface())
			var got bytes.Buffer
			gotErr := output.WriteJSON(&got, p.Interface())
			if (wantErr != nil) != (gotErr != nil) {
				t.Fatalf("%s #%d: encoding/json error %v, WriteJSON error %v", typ, i, wantErr, gotErr)
			}
			if got.String() != want.String() {
				t.Fatalf("%s #%d: WriteJSON wrote\n%s\nencoding/json writes\n%s", typ, i, got.String(), want.String())
			}
			// The server's compact, HTML-escaped answers (internal/server
			// writeJSON) are goccy's Marshal too.
			compact, _ := json.Marshal(p.Interface())
			if g, _ := gojson.Marshal(p.Interface()); string(g) != string(compact) {
				t.Fatalf("%s #%d: goccy Marshal wrote\n%s\nencoding/json writes\n%s", typ, i, g, compact)
			}
		}
	}
}

var samples = []string{"", "a", "<b>&amp;</b>", "ünï\"code\"\\", "line\nbreak\ttab", "\u2028\u2029", "\x01\x7f", "sa_01kkpea9m7tj4hv60hb2s0m2cr"}

var slugs = []string{"a", "deals", "deals_2", "z", "key_max_ttl", "automation_account"}

// fill sets v to random contents, the zero value included.
func fill(rng *rand.Rand, v reflect.Value, depth int) {
	if rng.IntN(6) == 0 || depth > 4 {
		return // the zero value: nil maps, slices and pointers, "" and 0
	}
	if v.Type() == reflect.TypeOf(time.Time{}) {
		v.Set(reflect.ValueOf(time.Date(2026, 12, 1, 19, rng.IntN(60), rng.IntN(60), rng.IntN(1e9), time.UTC)))
		return
	}
	if v.Type() == reflect.TypeOf(json.RawMessage{}) {
		v.SetBytes([]byte(`{"k":[1,"x"]}`))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(samples[rng.IntN(len(samples))])
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(rng.Int64N(1<<40) - 1<<39)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(rng.Uint64N(200))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(rng.NormFloat64() * 1e6)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(rng, p.Elem(), depth+1)
		v.Set(p)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(rng, v.Field(i), depth+1)
			}
		}
	case reflect.Slice:
		n := rng.IntN(3)
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			fill(rng, s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Map:
		// Map keys are slugs: every map sactl prints is keyed by a
		// validated slug (permission keys, R-PERM-1; setting names; audit
		// detail names the code chooses). goccy orders keys that need
		// escaping by their escaped form, where encoding/json orders the
		// raw bytes.
		m := reflect.MakeMap(v.Type())
		for range rng.IntN(4) {
			k := reflect.New(v.Type().Key()).Elem()
			k.SetString(slugs[rng.IntN(len(slugs))])
			e := reflect.New(v.Type().Elem()).Elem()
			fill(rng, e, depth+1)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Interface:
		vals := []any{nil, "x<y>", 12.5, true, []any{"a", 1.0}, map[string]any{"z": "1", "a": []any{}}}
		if x := vals[rng.IntN(len(vals))]; x != nil {
			v.Set(reflect.ValueOf(x))
		}
	}
}
