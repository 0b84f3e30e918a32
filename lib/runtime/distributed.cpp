#include "runtime/distributed.h"

// ProcessGroupGloo.hpp declares its class only for builds with Gloo; libtorch
// has it built in, and Debian's libgloo-dev provides the headers it includes.
#define USE_C10D_GLOO 1
#include <ATen/DeviceAccelerator.h>
#include <torch/torch.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef DEBERTA_BENCH_WITH_NCCL
#define USE_C10D_NCCL 1
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <atomic>
#include <cstdlib>
#include <map>
#include <thread>

#include "util/environment.h"

namespace deberta {

namespace {

using Seconds = std::chrono::seconds;

std::string variable(const char* name) { return environment_variable(name); }

int integer_variable(const char* name, int fallback, bool required) {
  const std::string text = variable(name);
  if (text.empty()) {
    if (required)
      throw std::invalid_argument(std::string(name) +
                                  " is not set; a distributed job needs RANK, "
                                  "WORLD_SIZE, MASTER_ADDR and MASTER_PORT (torchrun sets them)");
    return fallback;
  }
  size_t used = 0;
  int value = -1;
  try {
    value = std::stoi(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || value < 0)
    throw std::invalid_argument(std::string(name) + "=" + text + ": expected a whole number >= 0");
  return value;
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

bool is_loopback(const std::string& host) { return host == "localhost" || host.rfind("127.", 0) == 0; }

// A process may form several groups one after another (finetune --seeds,
// suite); each gets its own keys in the store. Every rank forms them in the
// same order, so the numbers agree.
std::atomic<int> groups_formed{0};

}  // namespace

DistributedEnv distributed_env() {
  DistributedEnv env;
  if (variable("WORLD_SIZE").empty() && variable("RANK").empty()) return env;
  env.world_size = integer_variable("WORLD_SIZE", 1, true);
  env.rank = integer_variable("RANK", 0, true);
  if (env.world_size < 1) throw std::invalid_argument("WORLD_SIZE must be at least 1");
  if (env.rank >= env.world_size)
    throw std::invalid_argument("RANK=" + std::to_string(env.rank) +
                                " is not below WORLD_SIZE=" + std::to_string(env.world_size));
  env.local_rank = integer_variable("LOCAL_RANK", env.rank, false);
  env.local_world_size = integer_variable("LOCAL_WORLD_SIZE", env.world_size, false);
  if (env.world_size > 1) {
    env.master_addr = variable("MASTER_ADDR");
    if (env.master_addr.empty()) throw std::invalid_argument("MASTER_ADDR is not set (torchrun sets it)");
    env.master_port = integer_variable("MASTER_PORT", 0, true);
    if (env.master_port < 1 || env.master_port > 65535)
      throw std::invalid_argument("MASTER_PORT=" + variable("MASTER_PORT") + ": expected a port, 1 to 65535");
  }
  env.agent_store = variable("TORCHELASTIC_USE_AGENT_STORE") == "True";
  return env;
}

struct ProcessGroup::Impl {
  DistributedEnv env;
  std::string prefix;  // this group's keys in the store
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::Backend> backend;
  std::thread heartbeat;
  std::atomic<bool> stop{false};
  bool failed = false;

  c10::intrusive_ptr<c10d::Store> client(Seconds timeout) const {
    c10d::TCPStoreOptions options;
    options.port = static_cast<uint16_t>(env.master_port);
    options.isServer = false;
    options.timeout = timeout;
    return c10::make_intrusive<c10d::TCPStore>(env.master_addr, options);
  }

  // Every rank's heartbeat count, -1 for a rank the store does not know.
  std::vector<int64_t> heartbeats(const c10::intrusive_ptr<c10d::Store>& store) const {
    std::vector<int64_t> counts;
    for (int r = 0; r < env.world_size; ++r) {
      const std::string key = prefix + "heartbeat/" + std::to_string(r);
      counts.push_back(store->check({key}) ? store->add(key, 0) : -1);
    }
    return counts;
  }
};

ProcessGroup::ProcessGroup(const DistributedEnv& env, const std::string& backend, Seconds timeout,
                           const c10::Device& device)
    : rank_(env.rank), size_(env.world_size), impl_(std::make_unique<Impl>()) {
  impl_->env = env;
  impl_->prefix = "deberta-bench/group" + std::to_string(groups_formed++) + "/";
  backend_name_ = backend == "auto" ? (device.is_cuda() ? "nccl" : "gloo") : backend;
  if (backend_name_ != "gloo" && backend_name_ != "nccl")
    throw std::invalid_argument("distributed.backend '" + backend + "': expected auto, gloo or nccl");
  if (backend_name_ == "nccl" && !device.is_cuda())
    throw std::invalid_argument("distributed.backend nccl needs a CUDA device; this process runs on " + device.str());
  const std::string where = env.master_addr + ":" + std::to_string(env.master_port);
  try {
    c10d::TCPStoreOptions options;
    options.port = static_cast<uint16_t>(env.master_port);
    options.isServer = env.rank == 0 && !env.agent_store;
    options.numWorkers = env.world_size;
    options.timeout = timeout;
    options.multiTenant = true;
    impl_->store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, options);
  } catch (const std::exception& e) {
    throw DistributedError("distributed: rank " + std::to_string(rank_) + " cannot reach the TCPStore at " + where +
                           " (" + first_line(e.what()) + ")");
  }
  // The heartbeat has its own connection: a collective may block the main one.
  {
    auto beat_store = impl_->client(timeout);
    Impl* impl = impl_.get();
    const std::string key = impl_->prefix + "heartbeat/" + std::to_string(rank_);
    beat_store->add(key, 1);
    impl_->heartbeat = std::thread([impl, beat_store, key] {
      while (!impl->stop.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        try {
          beat_store->add(key, 1);
        } catch (const std::exception&) {
          return;  // the store is gone; a collective will say so
        }
      }
    });
  }
  auto prefixed = c10::make_intrusive<c10d::PrefixStore>(impl_->prefix + "pg/", impl_->store);
  try {
    if (backend_name_ == "gloo") {
      auto options = c10d::ProcessGroupGloo::Options::create(timeout);
      // On loopback the default device (the hostname's address) may not be
      // reachable; GLOO_SOCKET_IFNAME picks an interface as in PyTorch.
      const std::string interface = variable("GLOO_SOCKET_IFNAME");
      if (!interface.empty())
        options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(interface));
      else if (is_loopback(env.master_addr))
        options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
      else
        options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      impl_->backend = c10::make_intrusive<c10d::ProcessGroupGloo>(prefixed, rank_, size_, options);
    } else {
#ifdef DEBERTA_BENCH_WITH_NCCL
      at::accelerator::setDeviceIndex(device.index() < 0 ? 0 : device.index());
      auto options = c10d::ProcessGroupNCCL::Options::create();
      options->timeout = timeout;
      impl_->backend = c10::make_intrusive<c10d::ProcessGroupNCCL>(prefixed, rank_, size_, options);
#else
      throw std::invalid_argument(
          "distributed.backend nccl: this build has no NCCL (a CPU-only libtorch, or no "
          "CUDA headers at build time); use gloo");
#endif
    }
  } catch (const std::invalid_argument&) {
    throw;
  } catch (const std::exception& e) {
    fail("the rendezvous", first_line(e.what()));
  }
}

ProcessGroup::~ProcessGroup() {
  impl_->stop = true;
  if (impl_->failed) {
    // A peer is gone: tearing down the group could wait on it. The process
    // is about to exit; leave the group, and the heartbeat thread that
    // still points at it, to the operating system.
    impl_->heartbeat.detach();
    (void)impl_.release();
    return;
  }
  if (impl_->heartbeat.joinable()) impl_->heartbeat.join();
}

void ProcessGroup::fail(const std::string& operation, const std::string& reason) {
  impl_->failed = true;
  std::string lost;
  try {
    // A rank whose heartbeat stands still over two seconds has stopped.
    auto store = impl_->client(Seconds(5));
    const auto before = impl_->heartbeats(store);
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    const auto after = impl_->heartbeats(store);
    for (int r = 0; r < size_; ++r)
      if (r != rank_ && (after[r] < 0 || after[r] == before[r]))
        lost += (lost.empty() ? "rank " : ", rank ") + std::to_string(r);
  } catch (const std::exception&) {
    lost = impl_->env.agent_store ? "torchrun's agent (it hosts the store)" : "rank 0 (it hosts the store)";
  }
  throw DistributedError("distributed: " + (lost.empty() ? std::string("a peer") : lost) + " of " +
                         std::to_string(size_) + " stopped; rank " + std::to_string(rank_) + " gives up in " +
                         operation + " (" + reason + ")");
}

void ProcessGroup::all_reduce_sum(std::vector<torch::Tensor>& tensors) {
  try {
    // One collective per tensor (a list would mean one tensor per device),
    // all started before the first is waited for.
    std::vector<c10::intrusive_ptr<c10d::Work>> works;
    for (auto& tensor : tensors) {
      std::vector<torch::Tensor> one = {tensor};
      works.push_back(impl_->backend->allreduce(one));
    }
    for (auto& work : works) work->wait();
  } catch (const DistributedError&) {
    throw;
  } catch (const std::exception& e) {
    fail("all_reduce", first_line(e.what()));
  }
}

void ProcessGroup::broadcast(std::vector<torch::Tensor>& tensors, int root) {
  try {
    c10d::BroadcastOptions options;
    options.rootRank = root;
    std::vector<c10::intrusive_ptr<c10d::Work>> works;
    for (auto& tensor : tensors) {
      std::vector<torch::Tensor> one = {tensor};
      works.push_back(impl_->backend->broadcast(one, options));
    }
    for (auto& work : works) work->wait();
  } catch (const std::exception& e) {
    fail("broadcast", first_line(e.what()));
  }
}

void ProcessGroup::barrier() {
  try {
    impl_->backend->barrier()->wait();
  } catch (const std::exception& e) {
    fail("barrier", first_line(e.what()));
  }
}

}  // namespace deberta
