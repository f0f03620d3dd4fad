package cli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tlsweep/tlsweep/scanner"
)

// shardIndexPrefix starts the zero-based form of --shard, index:I/N, which
// is shard I+1/N. Kubernetes expands $(JOB_COMPLETION_INDEX) (0 to N-1) in
// a container's args but does no arithmetic, so an Indexed Job can say
// --shard=index:$(JOB_COMPLETION_INDEX)/8 with no shell in the image.
const shardIndexPrefix = "index:"

// parseShard reads --shard: K/N (1 <= K <= N) or index:I/N (0 <= I < N).
func parseShard(s string) (scanner.Shard, error) {
	rest, ok := strings.CutPrefix(s, shardIndexPrefix)
	if !ok {
		sh, err := scanner.ParseShard(s)
		if err != nil {
			return sh, fmt.Errorf(errShard, s)
		}
		return sh, nil
	}
	i, n, ok := strings.Cut(rest, "/")
	ii, err1 := strconv.ParseUint(i, 10, 64)
	nn, err2 := strconv.ParseUint(n, 10, 64)
	if !ok || err1 != nil || err2 != nil || ii >= nn {
		return scanner.Shard{}, fmt.Errorf(errShard, s)
	}
	return scanner.ParseShard(fmt.Sprintf("%d/%d", ii+1, nn))
}
