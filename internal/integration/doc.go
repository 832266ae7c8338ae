// Package integration runs sactl with the real programs it integrates
// with: nginx's auth_request in front of an application, asking sactl's
// forward auth (R-SRV-8). Each test starts what it needs on 127.0.0.1 in a
// temporary directory and skips when the program is missing, except under
// CI=true, where it fails.
package integration
