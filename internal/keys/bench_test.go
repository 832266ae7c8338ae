package keys

import "testing"

func BenchmarkParse(b *testing.B) {
	s := mustGenerate(b, KindAPIKey).Reveal() + "\n"
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Parse(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHash(b *testing.B) {
	s := mustGenerate(b, KindAPIKey)
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Hash()
	}
}

func BenchmarkVerifyToken(b *testing.B) {
	c := testClaims()
	c.Execution = "exe_1"
	tok := mustMint(b, keyA, c)
	lookup := lookupOf(keyA, keyB)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := VerifyToken(tok, lookup, "biz_1", t0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Generate(KindAPIKey); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSealOpen(b *testing.B) {
	dk := mustDataKey(b)
	pt := []byte(mustGenerate(b, KindAPIKey).Reveal())
	aad := []byte("biz_1/key_1")
	b.ReportAllocs()
	for b.Loop() {
		sealed, err := dk.Seal(pt, aad)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := dk.Open(sealed, aad); err != nil {
			b.Fatal(err)
		}
	}
}
