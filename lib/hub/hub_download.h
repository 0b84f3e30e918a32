// `--model OWNER/NAME[@REVISION]`: a Hugging Face model id resolved to a
// snapshot directory of the hub cache (hub/hub_cache.h), downloading what
// the cache lacks from the Hub unless HF_HUB_OFFLINE is set.
#pragma once

#include <ostream>
#include <stdexcept>
#include <string>

#include "hub/hub_cache.h"

namespace deberta {

// Where a model's files are, and, for a Hub model, which weights they are.
struct ResolvedModel {
  std::string dir;       // a local directory, or the cache's snapshot directory
  std::string hub_id;    // OWNER/NAME, empty for a local directory
  std::string revision;  // as asked for (main by default)
  std::string commit;    // the commit hash the revision stood for
  bool from_hub() const { return !hub_id.empty(); }
  // OWNER/NAME@COMMIT for a Hub model (what re-runs the same weights), else the directory.
  std::string pinned() const { return from_hub() ? hub_id + "@" + commit : dir; }
};

// The error for a model id that is not in the cache when downloads are off
// (HF_HUB_OFFLINE, or a suite's dry run, which says so instead of failing).
struct HubNotCached : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// `spec` is a directory when one of that name exists; else a model id
// (OWNER/NAME[@REVISION]), looked up in the cache and, when the cache lacks
// a file the harness reads, downloaded from settings.endpoint into the
// cache. Says what it does on `log` (one line per file downloaded). Throws
// std::runtime_error with one line for a spec that is neither, an id not
// cached when offline, a repository or revision the Hub does not have, a
// refused token (naming the variable), a checksum mismatch (the bad file
// is removed) and a network failure or timeout.
ResolvedModel resolve_model(const std::string& spec, const HubSettings& settings, std::ostream& log);

}  // namespace deberta
