package service

import "github.com/sactl/sactl/internal/api"

var _ api.API = (*Service)(nil)
