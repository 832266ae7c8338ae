package domain

import "time"

// Token statuses in "sa token list" (R-TOK-4): expired tokens are not listed.
const (
	TokenActive  = "active"
	TokenRevoked = "revoked"
)

// TokenRecord is a minted signed token as recorded until it expires
// (R-TOK-4): its id and claims, never the token itself.
type TokenRecord struct {
	ID        string     `json:"id"`
	Account   string     `json:"account"`
	Business  string     `json:"business"`
	Execution *string    `json:"execution"`
	Status    string     `json:"status"`
	IssuedAt  time.Time  `json:"issued_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	CreatedBy string     `json:"created_by"`
	RevokedAt *time.Time `json:"revoked_at"`
	RevokedBy *string    `json:"revoked_by"`
}
