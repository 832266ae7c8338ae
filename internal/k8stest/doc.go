// Package k8stest checks sactl's Kubernetes webhook token authentication
// (R-SRV-9) with the Kubernetes API types themselves. It is a module of
// its own, so that k8s.io/api stays out of sactl's go.mod and binary:
// run it with "cd internal/k8stest && go test ./...".
package k8stest
