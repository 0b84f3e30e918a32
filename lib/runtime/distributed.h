// Data parallelism's process group on PyTorch's own engine, c10d: launched
// as torchrun launches (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR,
// MASTER_PORT), a TCPStore rendezvous, then Gloo on CPUs or NCCL on GPUs.
#pragma once

#include <c10/core/Device.h>
#include <torch/types.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace deberta {

// Where this process stands in the job, from torchrun's environment.
struct DistributedEnv {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  int local_world_size = 1;  // processes on this machine
  std::string master_addr;
  int master_port = 0;
  bool agent_store = false;  // torchrun's agent hosts the TCPStore; rank 0 is then a client too
  bool active() const { return world_size > 1; }
};

// The environment's job. None of the variables set means one process. A
// missing or malformed variable is a std::invalid_argument naming it.
DistributedEnv distributed_env();

// A failure of the job as a whole (a lost rank, a timeout): the process must
// exit without waiting for the others.
class DistributedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The process group of an active job. Every collective blocks until done and
// throws DistributedError, naming the rank that stopped, when a peer is lost
// or `timeout` passes.
class ProcessGroup {
 public:
  // backend: auto (gloo on the CPU, nccl on CUDA), gloo or nccl.
  ProcessGroup(const DistributedEnv& env, const std::string& backend, std::chrono::seconds timeout,
               const c10::Device& device);
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  const std::string& backend() const { return backend_name_; }

  // Sums each tensor over the processes, in place (one collective per
  // tensor: flatten small ones into buckets first).
  void all_reduce_sum(std::vector<torch::Tensor>& tensors);
  // Gives every process root's values, in place, tensor by tensor.
  void broadcast(std::vector<torch::Tensor>& tensors, int root = 0);
  void barrier();

 private:
  struct Impl;
  [[noreturn]] void fail(const std::string& operation, const std::string& reason);

  int rank_ = 0;
  int size_ = 1;
  std::string backend_name_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace deberta
