// Package keys holds sactl's credential formats and the cryptography behind
// them. It does no I/O except LoadOrCreateMasterKey, never touches a
// database, and every error it returns is one line that contains neither a
// secret nor the credential it was given.
//
// # API keys and user tokens (R-KEY-1, R-KEY-2, R-USER-2)
//
// A key is "sak_" (service-account API key) or "sau_" (user token) followed by
// 43 base62 characters that encode 256 bits from crypto/rand, then 6 base62
// characters of the CRC32 (IEEE) of everything before them. The base62
// alphabet is 0-9A-Za-z; both fields are left-padded with '0' to fixed width,
// so a key is always 53 characters. The checksum lets Parse reject typos and
// lets secret scanners recognise a key offline; it is not a security
// boundary.
//
// Generate makes a key; Parse checks one without any lookup. A key is stored
// and looked up by Hash (SHA-256 of the whole key, R-KEY-2) and compared with
// Equal, which runs in constant time.
//
// Secret is the type of a full key. Its String, GoString, Format and LogValue
// all return the display hint ("sak_AbCd…wxyz"), so a key that reaches fmt or
// log/slog by accident prints the hint. Reveal returns the full value and is
// the only way to get it on purpose. Secret has no MarshalJSON: see its doc
// comment for why and for the cases that still print the full value.
//
// # Sealing (R-KEY-10, R-TOK-2)
//
// A secret that must be shown again later is sealed with AES-256-GCM under a
// per-business DataKey. The DataKey is itself sealed ("wrapped") under the
// MasterKey, which comes from a 0600 file (LoadOrCreateMasterKey) or from the
// SACTL_MASTER_KEY environment variable (ParseMasterKey). Sealed bytes are
//
//	0x01 (version) ‖ 12-byte random nonce ‖ ciphertext ‖ 16-byte GCM tag
//
// and the additional data passed to Seal must be passed to Open again. Use it
// to bind a sealed secret to the row it belongs to (for example key id and
// business id), so a sealed value copied onto another row does not open.
//
// # Signed tokens (R-TOK-1 .. R-TOK-3)
//
// A signed token is
//
//	"sat_" ‖ base64url(payload JSON) ‖ "." ‖ base64url(HMAC-SHA256(key, "sat_" ‖ payload part))
//
// without base64 padding. The payload names the signing key ("kid"), so a
// business can rotate its key and keep the previous one verifying until the
// last token it signed has expired (at most MaxTokenTTL). VerifyToken is a
// pure function of the token, a key lookup and the time: no database, no
// writes (R-TOK-3). Revocation (R-TOK-4) is the caller's job, after
// VerifyToken succeeds.
package keys
