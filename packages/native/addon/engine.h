// Engine: a key's librandomx cache (light mode) or cache and dataset (full mode), and the batch nonce loop on
// native threads. A second key can be prepared alongside mining and switched to later. All long work runs off the
// JavaScript thread and settles a Promise.
#pragma once

#include <napi.h>
#include <randomx.h>

#include <atomic>
#include <mutex>
#include <vector>

namespace rxmesh {

/** A key's memory: its cache and, in full mode, its dataset, with how they were allocated and how long they took. */
struct KeyMemory {
  std::vector<uint8_t> key;
  randomx_cache* cache = nullptr;
  randomx_dataset* dataset = nullptr;
  randomx_flags flags = RANDOMX_FLAG_DEFAULT;
  bool dataset_large_pages = false;
  double cache_ms = 0;
  double dataset_ms = 0;
};

class Engine : public Napi::ObjectWrap<Engine> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit Engine(const Napi::CallbackInfo& info);
  ~Engine() override;

  // Used by the workers in engine.cc.
  bool full() const { return full_; }
  randomx_flags vm_flags() const;
  randomx_cache* cache() const { return cache_; }
  randomx_dataset* dataset() const { return dataset_; }
  std::atomic<bool>& stop_requested() { return stop_requested_; }
  /** The nice value of the mining and dataset threads, or kInheritNice to leave them as the process is. */
  int thread_nice() const { return thread_nice_; }
  static constexpr int kInheritNice = 100;
  std::vector<randomx_vm*>& mining_vms() { return mining_vms_; }
  randomx_vm* verify_vm() const { return verify_vm_; }
  std::mutex& verify_mutex() { return verify_mutex_; }
  /** Takes the key's memory; false (and nothing held) when librandomx cannot create the verification VM. */
  bool set_resources(const KeyMemory& memory);
  /** The key prepareKey() built, not yet in use (its cache is null when there is none). */
  KeyMemory& prepared() { return prepared_; }
  /** Frees the current key's VMs, dataset and cache. */
  void ReleaseCurrent();
  void ReleasePrepared();
  void ReleaseNative();
  // What runs now, tracked on the JavaScript thread: a key change excludes everything else; preparing a key
  // excludes only key changes.
  bool setting_key_ = false;
  bool preparing_ = false;
  bool mining_ = false;
  int hashing_ = 0;

 private:
  Napi::Value SetKey(const Napi::CallbackInfo& info);
  Napi::Value PrepareKey(const Napi::CallbackInfo& info);
  Napi::Value Mine(const Napi::CallbackInfo& info);
  Napi::Value Hash(const Napi::CallbackInfo& info);
  void Stop(const Napi::CallbackInfo& info);
  Napi::Value Flags(const Napi::CallbackInfo& info);
  void Release(const Napi::CallbackInfo& info);
  void SetThreadNice(const Napi::CallbackInfo& info);
  void RequireKey(Napi::Env env) const;

  bool full_ = false;
  randomx_flags flags_ = RANDOMX_FLAG_DEFAULT;
  bool dataset_large_pages_ = false;
  randomx_cache* cache_ = nullptr;
  randomx_dataset* dataset_ = nullptr;
  std::vector<randomx_vm*> mining_vms_;
  randomx_vm* verify_vm_ = nullptr;
  std::mutex verify_mutex_;
  std::atomic<bool> stop_requested_{false};
  int thread_nice_ = kInheritNice;
  KeyMemory prepared_;
};

}  // namespace rxmesh
