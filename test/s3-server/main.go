// A local S3-compatible server for the backup tests: gofakes3 (MIT) with its in-memory backend,
// bound to a loopback address — or, for the real node's pods, to an address of a network
// namespace that routes nowhere (no default route: the node's, where the node IP is on lo) —
// behind a SigV4 check of our own (gofakes3 checks no
// signature): a request whose Authorization is not a valid AWS4-HMAC-SHA256 signature by the
// configured key pair gets 403 AccessDenied, as from S3. So the tests find out when curl's
// signing, our query strings or the credentials the scripts pass would be refused by a real S3.
// It prints "listening <addr>" once it accepts connections: the test helper
// (test/support/s3-server.ts) reads the free port it got from that line.
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// defaultRoute describes this process's network namespace's usable default route ("" when it has
// none), read from /proc/net/route and /proc/net/ipv6_route (the namespace's own tables). Routes
// that are not up or that reject (the kernel's IPv6 null entry) do not count.
func defaultRoute() string {
	const up, reject = 0x0001, 0x0200
	if b, err := os.ReadFile("/proc/net/route"); err != nil {
		return "an unreadable /proc/net/route: " + err.Error()
	} else {
		for _, line := range strings.Split(string(b), "\n")[1:] {
			f := strings.Fields(line)
			var flags int64
			if len(f) > 7 {
				fmt.Sscanf(f[3], "%x", &flags)
			}
			if len(f) > 7 && f[1] == "00000000" && f[7] == "00000000" && flags&up != 0 && flags&reject == 0 {
				return "an IPv4 default route via " + f[0]
			}
		}
	}
	if b, err := os.ReadFile("/proc/net/ipv6_route"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			var flags int64
			if len(f) > 9 {
				fmt.Sscanf(f[8], "%x", &flags)
			}
			if len(f) > 9 && f[0] == strings.Repeat("0", 32) && f[1] == "00" && flags&up != 0 && flags&reject == 0 {
				return "an IPv6 default route via " + f[9]
			}
		}
	}
	return ""
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// awsEscape is SigV4's URI encoding: unreserved characters stay, every other byte is %XX.
func awsEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strings.IndexByte("-_.~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func canonicalQuery(raw string) string {
	var pairs []string
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		ku, err1 := url.QueryUnescape(k)
		vu, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return "<bad query>"
		}
		pairs = append(pairs, awsEscape(ku)+"="+awsEscape(vu))
	}
	sort.Strings(pairs)
	return strings.Join(pairs, "&")
}

// verify returns "" when r carries a valid SigV4 signature by accessKey/secretKey.
func verify(r *http.Request, accessKey, secretKey string) string {
	auth := r.Header.Get("Authorization")
	const algo = "AWS4-HMAC-SHA256 "
	if !strings.HasPrefix(auth, algo) {
		return "no AWS4-HMAC-SHA256 Authorization header"
	}
	fields := map[string]string{}
	for _, f := range strings.Split(strings.TrimPrefix(auth, algo), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(f), "=")
		fields[k] = v
	}
	scope := strings.SplitN(fields["Credential"], "/", 2)
	if len(scope) != 2 || scope[0] != accessKey {
		return "unknown access key"
	}
	date := r.Header.Get("X-Amz-Date")
	payload := r.Header.Get("X-Amz-Content-Sha256")
	if payload == "" {
		return "no x-amz-content-sha256 header (S3 requires it)"
	}
	var headers strings.Builder
	for _, h := range strings.Split(fields["SignedHeaders"], ";") {
		v := r.Header.Get(h)
		if h == "host" {
			v = r.Host
		}
		headers.WriteString(h + ":" + strings.TrimSpace(v) + "\n")
	}
	canonical := strings.Join([]string{
		r.Method, r.URL.EscapedPath(), canonicalQuery(r.URL.RawQuery), headers.String(), fields["SignedHeaders"], payload,
	}, "\n")
	sum := sha256.Sum256([]byte(canonical))
	parts := strings.Split(scope[1], "/") // date/region/service/aws4_request
	if len(parts) != 4 {
		return "malformed credential scope"
	}
	key := hmacSHA256([]byte("AWS4"+secretKey), parts[0])
	for _, p := range parts[1:] {
		key = hmacSHA256(key, p)
	}
	want := hex.EncodeToString(hmacSHA256(key, "AWS4-HMAC-SHA256\n"+date+"\n"+scope[1]+"\n"+hex.EncodeToString(sum[:])))
	if !hmac.Equal([]byte(want), []byte(fields["Signature"])) {
		return "signature mismatch"
	}
	return ""
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on (port 0: a free one): loopback, or any in a namespace without a default route")
	buckets := flag.String("buckets", "", "comma-separated buckets to create at start")
	accessKey := flag.String("access-key", "", "the access key id requests must be signed with")
	flag.Parse()
	// The secret comes from the environment, as in the pods: not from a command line.
	secretKey := os.Getenv("S3_SERVER_SECRET_KEY")
	if *accessKey == "" || secretKey == "" {
		log.Fatal("s3-server: -access-key and $S3_SERVER_SECRET_KEY are required")
	}
	host, _, err := net.SplitHostPort(*addr)
	if err != nil || net.ParseIP(host) == nil {
		log.Fatalf("s3-server: -addr %q is not an IP address and port", *addr)
	}
	if !net.ParseIP(host).IsLoopback() {
		// Anything but loopback only where nothing can be routed off the machine: a network
		// namespace without a default route (answers then go only to its own bridges and lo).
		if why := defaultRoute(); why != "" {
			log.Fatalf("s3-server: -addr %q is not a loopback address and this network namespace has %s (no packet may leave the machine)", *addr, why)
		}
	}
	backend := s3mem.New()
	for _, b := range strings.Split(*buckets, ",") {
		if b == "" {
			continue
		}
		if err := backend.CreateBucket(b); err != nil {
			log.Fatalf("s3-server: create bucket %s: %v", b, err)
		}
	}
	faker := gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog()))
	inner := faker.Server()
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if why := verify(r, *accessKey, secretKey); why != "" {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>%s</Message></Error>\n", why)
			return
		}
		inner.ServeHTTP(w, r)
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("s3-server: listen %s: %v", *addr, err)
	}
	fmt.Fprintf(os.Stdout, "listening %s\n", ln.Addr())
	log.Fatal(http.Serve(ln, handler))
}
