#include "engine.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include "allocation.h"
#include "arguments.h"
#include "flags.h"

namespace rxmesh {

namespace {

using Clock = std::chrono::steady_clock;

double MillisecondsSince(Clock::time_point begin) {
  return std::chrono::duration<double, std::milli>(Clock::now() - begin).count();
}

// Dataset items per unit of work handed to an init thread; ≈0.5% of the dataset, so progress moves smoothly.
constexpr unsigned long kDatasetChunkItems = 1 << 17;
constexpr size_t kNonceOffset = 39;

void WriteNonce(std::vector<uint8_t>& blob, uint32_t nonce) {
  for (int i = 0; i < 4; i++) blob[kNonceOffset + i] = static_cast<uint8_t>(nonce >> (8 * i));
}

uint64_t ShareValue(const uint8_t hash[RANDOMX_HASH_SIZE]) {
  uint64_t value = 0;
  for (int i = 31; i >= 24; i--) value = (value << 8) | hash[i];
  return value;
}

// Gives the calling thread its own nice value (Linux schedules threads by their own): mining below the event loop.
// Raising a priority needs CAP_SYS_NICE; without it the thread keeps the process's.
void ApplyThreadNice(int nice) {
  if (nice == Engine::kInheritNice) return;
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), nice);
}

// Allocates and builds a key's cache and, in full mode, its dataset on `threads` threads; an error sentence, or
// empty with *memory filled.
std::string BuildKey(bool full, unsigned threads, int nice,
                     const Napi::AsyncProgressWorker<unsigned long>::ExecutionProgress& progress, KeyMemory* memory) {
  memory->flags = RecommendedFlags();
  const Clock::time_point cache_begin = Clock::now();
  memory->cache = AllocateCache(&memory->flags);
  if (memory->cache == nullptr) return "librandomx could not allocate its 256 MiB cache: free some memory.";
  randomx_init_cache(memory->cache, memory->key.data(), memory->key.size());
  memory->cache_ms = MillisecondsSince(cache_begin);
  if (!full) return "";
  memory->dataset = AllocateDataset(&memory->dataset_large_pages);
  if (memory->dataset == nullptr) {
    randomx_release_cache(memory->cache);
    memory->cache = nullptr;
    return "librandomx could not allocate the 2080 MiB dataset: free some memory, or use light mode.";
  }
  const Clock::time_point dataset_begin = Clock::now();
  const unsigned long items = randomx_dataset_item_count();
  std::atomic<unsigned long> next{0};
  std::atomic<unsigned long> done{0};
  auto work = [&] {
    ApplyThreadNice(nice);
    for (;;) {
      const unsigned long start = next.fetch_add(kDatasetChunkItems);
      if (start >= items) return;
      const unsigned long count = std::min(kDatasetChunkItems, items - start);
      randomx_init_dataset(memory->dataset, memory->cache, start, count);
      done += count;
    }
  };
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; t++) workers.emplace_back(work);
  while (done.load() < items) {
    const unsigned long snapshot = done.load();
    progress.Send(&snapshot, 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (std::thread& worker : workers) worker.join();
  const unsigned long all = items;
  progress.Send(&all, 1);
  memory->dataset_ms = MillisecondsSince(dataset_begin);
  return "";
}

// setKey and prepareKey. Switch: the prepared key becomes current and the old key's memory is freed. Build in
// place: the old key's memory (and any prepared key) is freed first, so an in-place change never holds two
// datasets. Prepare: the key is built beside the current one, which mines on meanwhile.
class KeyWorker : public Napi::AsyncProgressWorker<unsigned long> {
 public:
  enum class Kind { kSwitch, kBuildInPlace, kPrepare };

  KeyWorker(Napi::Env env, Engine* engine, Napi::Object self, Kind kind, std::vector<uint8_t> key, unsigned threads,
            Napi::Function on_progress)
      : Napi::AsyncProgressWorker<unsigned long>(env, "rxmesh:setKey"),
        engine_(engine),
        kind_(kind),
        threads_(threads),
        deferred_(Napi::Promise::Deferred::New(env)) {
    self_ = Napi::Persistent(self);
    if (!on_progress.IsEmpty()) on_progress_ = Napi::Persistent(on_progress);
    memory_.key = std::move(key);
  }

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute(const ExecutionProgress& progress) override {
    if (kind_ == Kind::kSwitch) {
      memory_ = engine_->prepared();
      engine_->prepared() = KeyMemory();
      engine_->ReleaseCurrent();
    } else {
      engine_->ReleasePrepared();
      if (kind_ == Kind::kBuildInPlace) engine_->ReleaseCurrent();
      const std::string error = BuildKey(engine_->full(), threads_, engine_->thread_nice(), progress, &memory_);
      if (!error.empty()) return SetError(error);
      if (kind_ == Kind::kPrepare) {
        engine_->prepared() = memory_;
        return;
      }
    }
    if (!engine_->set_resources(memory_)) SetError("librandomx could not create a VM for the new key.");
  }

  void OnProgress(const unsigned long* done, size_t) override {
    if (on_progress_.IsEmpty()) return;
    on_progress_.Call({Napi::Number::New(Env(), static_cast<double>(*done)),
                       Napi::Number::New(Env(), static_cast<double>(randomx_dataset_item_count()))});
  }

  void OnOK() override {
    Settle();
    Napi::Object result = Napi::Object::New(Env());
    result.Set("cacheInitMs", memory_.cache_ms);
    result.Set("datasetInitMs",
               engine_->full() ? Napi::Value(Napi::Number::New(Env(), memory_.dataset_ms)) : Env().Null());
    result.Set("cacheLargePages", (memory_.flags & RANDOMX_FLAG_LARGE_PAGES) != 0);
    result.Set("datasetLargePages", memory_.dataset_large_pages);
    deferred_.Resolve(result);
  }

  void OnError(const Napi::Error& error) override {
    Settle();
    deferred_.Reject(error.Value());
  }

 private:
  void Settle() {
    if (kind_ == Kind::kPrepare) {
      engine_->preparing_ = false;
    } else {
      engine_->setting_key_ = false;
    }
  }

  Engine* engine_;
  Kind kind_;
  Napi::ObjectReference self_;
  Napi::FunctionReference on_progress_;
  unsigned threads_;
  Napi::Promise::Deferred deferred_;
  KeyMemory memory_;
};

struct FoundShare {
  uint32_t nonce;
  uint8_t hash[RANDOMX_HASH_SIZE];
};

// mine: nonces first .. first + count - 1 on `threads` threads, each with its own VM. Threads take the next
// nonce from one counter and finish the hash they took before looking at the stop flag, so the hashed nonces are
// always first .. first + hashes - 1, whenever the batch stops.
class MineWorker : public Napi::AsyncWorker {
 public:
  MineWorker(Napi::Env env, Engine* engine, Napi::Object self, std::vector<uint8_t> blob, uint32_t first,
             uint32_t count, uint64_t target, unsigned threads)
      : Napi::AsyncWorker(env, "rxmesh:mine"),
        engine_(engine),
        blob_(std::move(blob)),
        first_(first),
        count_(count),
        target_(target),
        threads_(threads),
        deferred_(Napi::Promise::Deferred::New(env)) {
    self_ = Napi::Persistent(self);
  }

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override {
    std::vector<randomx_vm*>& vms = engine_->mining_vms();
    while (vms.size() < threads_) {
      randomx_vm* vm = CreateVm(engine_->vm_flags(), engine_->cache(), engine_->dataset());
      if (vm == nullptr) return SetError("librandomx could not create a VM for a mining thread.");
      vms.push_back(vm);
    }
    std::atomic<uint64_t> taken{0};  // 64 bits: each thread takes one past the end before it returns
    std::atomic<bool>& stop = engine_->stop_requested();
    const int nice = engine_->thread_nice();
    auto work = [&](randomx_vm* vm) {
      ApplyThreadNice(nice);
      std::vector<uint8_t> blob = blob_;
      uint8_t hash[RANDOMX_HASH_SIZE];
      while (!stop.load(std::memory_order_relaxed)) {
        const uint64_t index = taken.fetch_add(1);
        if (index >= count_) return;
        const uint32_t nonce = first_ + static_cast<uint32_t>(index);
        WriteNonce(blob, nonce);
        randomx_calculate_hash(vm, blob.data(), blob.size(), hash);
        if (ShareValue(hash) < target_) {
          FoundShare share{nonce, {}};
          std::memcpy(share.hash, hash, sizeof hash);
          std::lock_guard<std::mutex> lock(shares_mutex_);
          shares_.push_back(share);
        }
      }
    };
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < threads_; t++) workers.emplace_back(work, vms[t]);
    for (std::thread& worker : workers) worker.join();
    hashes_ = static_cast<uint32_t>(std::min<uint64_t>(taken.load(), count_));
    std::sort(shares_.begin(), shares_.end(), [](const FoundShare& a, const FoundShare& b) { return a.nonce < b.nonce; });
  }

  void OnOK() override {
    engine_->mining_ = false;
    Napi::Env env = Env();
    Napi::Array shares = Napi::Array::New(env, shares_.size());
    for (size_t i = 0; i < shares_.size(); i++) {
      Napi::Object share = Napi::Object::New(env);
      share.Set("nonce", shares_[i].nonce);
      share.Set("hash", Napi::Buffer<uint8_t>::Copy(env, shares_[i].hash, RANDOMX_HASH_SIZE));
      shares.Set(i, share);
    }
    Napi::Object result = Napi::Object::New(env);
    result.Set("hashes", hashes_);
    result.Set("shares", shares);
    result.Set("stoppedEarly", hashes_ < count_);
    deferred_.Resolve(result);
  }

  void OnError(const Napi::Error& error) override {
    engine_->mining_ = false;
    deferred_.Reject(error.Value());
  }

 private:
  Engine* engine_;
  Napi::ObjectReference self_;
  std::vector<uint8_t> blob_;
  uint32_t first_;
  uint32_t count_;
  uint64_t target_;
  unsigned threads_;
  Napi::Promise::Deferred deferred_;
  std::mutex shares_mutex_;
  std::vector<FoundShare> shares_;
  uint32_t hashes_ = 0;
};

// hash: one input under the current key, on the engine's verification VM, off the JavaScript thread.
class HashWorker : public Napi::AsyncWorker {
 public:
  HashWorker(Napi::Env env, Engine* engine, Napi::Object self, std::vector<uint8_t> input)
      : Napi::AsyncWorker(env, "rxmesh:hash"),
        engine_(engine),
        input_(std::move(input)),
        deferred_(Napi::Promise::Deferred::New(env)) {
    self_ = Napi::Persistent(self);
  }

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override {
    std::lock_guard<std::mutex> lock(engine_->verify_mutex());
    randomx_calculate_hash(engine_->verify_vm(), input_.data(), input_.size(), hash_);
  }

  void OnOK() override {
    engine_->hashing_--;
    deferred_.Resolve(Napi::Buffer<uint8_t>::Copy(Env(), hash_, RANDOMX_HASH_SIZE));
  }

  void OnError(const Napi::Error& error) override {
    engine_->hashing_--;
    deferred_.Reject(error.Value());
  }

 private:
  Engine* engine_;
  Napi::ObjectReference self_;
  std::vector<uint8_t> input_;
  Napi::Promise::Deferred deferred_;
  uint8_t hash_[RANDOMX_HASH_SIZE] = {};
};

std::vector<uint8_t> CopyBytes(const Napi::Buffer<uint8_t>& buffer) {
  return std::vector<uint8_t>(buffer.Data(), buffer.Data() + buffer.Length());
}

unsigned RequireThreads(const Napi::CallbackInfo& info, size_t index) {
  const uint32_t threads = RequireUint32(info, index, "threads");
  if (threads < 1 || threads > 256) throw Napi::RangeError::New(info.Env(), "threads must be from 1 to 256.");
  return threads;
}

}  // namespace

Napi::Function Engine::Define(Napi::Env env) {
  return DefineClass(env, "Engine",
                     {
                         InstanceMethod<&Engine::SetKey>("setKey"),
                         InstanceMethod<&Engine::PrepareKey>("prepareKey"),
                         InstanceMethod<&Engine::Mine>("mine"),
                         InstanceMethod<&Engine::Hash>("hash"),
                         InstanceMethod<&Engine::Stop>("stop"),
                         InstanceMethod<&Engine::Flags>("flags"),
                         InstanceMethod<&Engine::Release>("release"),
                         InstanceMethod<&Engine::SetThreadNice>("setThreadNice"),
                     });
}

Engine::Engine(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Engine>(info) {
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(info.Env(), "mode must be a string.");
  const std::string mode = info[0].As<Napi::String>();
  if (mode != "full" && mode != "light") throw Napi::RangeError::New(info.Env(), "mode must be 'full' or 'light'.");
  full_ = mode == "full";
}

Engine::~Engine() { ReleaseNative(); }

randomx_flags Engine::vm_flags() const {
  // A VM's large-page flag only concerns its scratchpad; it follows what the cache got.
  return static_cast<randomx_flags>(flags_ | (full_ ? RANDOMX_FLAG_FULL_MEM : 0));
}

bool Engine::set_resources(const KeyMemory& memory) {
  cache_ = memory.cache;
  dataset_ = memory.dataset;
  flags_ = memory.flags;
  dataset_large_pages_ = memory.dataset_large_pages;
  verify_vm_ = CreateVm(vm_flags(), cache_, dataset_);
  if (verify_vm_ == nullptr) ReleaseCurrent();
  return verify_vm_ != nullptr;
}

void Engine::ReleaseNative() {
  ReleaseCurrent();
  ReleasePrepared();
}

void Engine::ReleasePrepared() {
  if (prepared_.dataset != nullptr) randomx_release_dataset(prepared_.dataset);
  if (prepared_.cache != nullptr) randomx_release_cache(prepared_.cache);
  prepared_ = KeyMemory();
}

void Engine::ReleaseCurrent() {
  for (randomx_vm* vm : mining_vms_) randomx_destroy_vm(vm);
  mining_vms_.clear();
  if (verify_vm_ != nullptr) randomx_destroy_vm(verify_vm_);
  verify_vm_ = nullptr;
  // The dataset goes before anything new is allocated, so a key change in place never holds two.
  if (dataset_ != nullptr) randomx_release_dataset(dataset_);
  dataset_ = nullptr;
  if (cache_ != nullptr) randomx_release_cache(cache_);
  cache_ = nullptr;
}

void Engine::RequireKey(Napi::Env env) const {
  if (setting_key_) throw Napi::Error::New(env, "The engine is changing its key; wait for setKey() to settle.");
  if (verify_vm_ == nullptr) throw Napi::Error::New(env, "Call setKey(key) first.");
}

Napi::Value Engine::SetKey(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (setting_key_ || preparing_ || mining_ || hashing_ > 0) {
    throw Napi::Error::New(env, "The engine is busy: stop mining and wait for pending work before setKey().");
  }
  std::vector<uint8_t> key = CopyBytes(RequireBuffer(info, 0, "key"));
  const unsigned threads = RequireThreads(info, 1);
  Napi::Function on_progress = info.Length() > 2 && info[2].IsFunction() ? info[2].As<Napi::Function>()
                                                                          : Napi::Function();
  const bool prepared = prepared_.cache != nullptr && prepared_.key == key;
  auto* worker =
      new KeyWorker(env, this, info.This().As<Napi::Object>(),
                    prepared ? KeyWorker::Kind::kSwitch : KeyWorker::Kind::kBuildInPlace, std::move(key), threads,
                    on_progress);
  setting_key_ = true;
  worker->Queue();
  return worker->Promise();
}

Napi::Value Engine::PrepareKey(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (setting_key_ || preparing_) {
    throw Napi::Error::New(env, "The engine is busy: wait for the key being built before prepareKey().");
  }
  std::vector<uint8_t> key = CopyBytes(RequireBuffer(info, 0, "key"));
  const unsigned threads = RequireThreads(info, 1);
  Napi::Function on_progress = info.Length() > 2 && info[2].IsFunction() ? info[2].As<Napi::Function>()
                                                                          : Napi::Function();
  auto* worker = new KeyWorker(env, this, info.This().As<Napi::Object>(), KeyWorker::Kind::kPrepare, std::move(key),
                               threads, on_progress);
  preparing_ = true;
  worker->Queue();
  return worker->Promise();
}

Napi::Value Engine::Mine(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireKey(env);
  if (mining_) throw Napi::Error::New(env, "This engine is already mining; stop() it or wait for the batch.");
  std::vector<uint8_t> blob = CopyBytes(RequireBuffer(info, 0, "blob"));
  if (blob.size() < kNonceOffset + 4) throw Napi::RangeError::New(env, "A hashing blob has at least 43 bytes.");
  const uint32_t first = RequireUint32(info, 1, "firstNonce");
  const uint32_t count = RequireUint32(info, 2, "count");
  if (static_cast<uint64_t>(first) + count > (uint64_t{1} << 32)) {
    throw Napi::RangeError::New(env, "The nonce range must stay within uint32.");
  }
  if (info.Length() <= 3 || !info[3].IsBigInt()) throw Napi::TypeError::New(env, "target must be a bigint.");
  bool lossless = false;
  const uint64_t target = info[3].As<Napi::BigInt>().Uint64Value(&lossless);
  if (!lossless) throw Napi::RangeError::New(env, "The share target is a uint64.");
  const unsigned threads = RequireThreads(info, 4);
  stop_requested_ = false;
  auto* worker =
      new MineWorker(env, this, info.This().As<Napi::Object>(), std::move(blob), first, count, target, threads);
  mining_ = true;
  worker->Queue();
  return worker->Promise();
}

void Engine::SetThreadNice(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "nice must be a number.");
  const int nice = info[0].As<Napi::Number>().Int32Value();
  if (nice < -20 || nice > 19) throw Napi::RangeError::New(env, "A nice value is from -20 to 19.");
  thread_nice_ = nice;
}

Napi::Value Engine::Hash(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireKey(env);
  auto* worker = new HashWorker(env, this, info.This().As<Napi::Object>(), CopyBytes(RequireBuffer(info, 0, "input")));
  hashing_++;
  worker->Queue();
  return worker->Promise();
}

void Engine::Stop(const Napi::CallbackInfo&) { stop_requested_ = true; }

Napi::Value Engine::Flags(const Napi::CallbackInfo& info) {
  Napi::Object flags = DescribeFlags(info.Env(), flags_);
  flags.Set("datasetLargePages", dataset_large_pages_);
  return flags;
}

void Engine::Release(const Napi::CallbackInfo& info) {
  if (setting_key_ || preparing_ || mining_ || hashing_ > 0) {
    throw Napi::Error::New(info.Env(), "The engine is busy: stop mining and wait for pending work before release().");
  }
  ReleaseNative();
}

}  // namespace rxmesh
