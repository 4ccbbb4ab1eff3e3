#include "train/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "common/error.hpp"
#include "common/parallel.hpp"
#include "train/graph_net.hpp"

namespace xbarsim::train {

using workloads::LayerKind;
namespace nn = torch::nn;

ArchNet::ArchNet(const Architecture& arch, std::uint64_t init_seed) : arch_(arch) {
  torch::manual_seed(init_seed);
  for (const auto& L : arch_.layers) {
    std::string key = L.name;  // LibTorch submodule names cannot hold dots
    std::replace(key.begin(), key.end(), '.', '_');
    switch (L.kind) {
      case LayerKind::Conv2d:
        conv_[L.name] = register_module(
            key, nn::Conv2d(nn::Conv2dOptions(L.in_channels, L.out_channels, {L.kernel_size[0], L.kernel_size[1]})
                                .stride({L.stride[0], L.stride[1]})
                                .padding({L.padding[0], L.padding[1]})));
        mods_[L.name] = conv_[L.name];
        break;
      case LayerKind::Linear:
        linear_[L.name] = register_module(key, nn::Linear(L.in_features, L.out_features));
        mods_[L.name] = linear_[L.name];
        break;
      case LayerKind::BatchNorm:
        bn_[L.name] = register_module(key, nn::BatchNorm2d(L.num_features));
        mods_[L.name] = bn_[L.name];
        break;
      default: break;
    }
  }
}

torch::Tensor ArchNet::forward(torch::Tensor x) {
  std::map<std::string, torch::Tensor> t{{"input", x}};
  torch::Tensor y = x;
  for (std::size_t i = 0; i < arch_.layers.size(); ++i) {
    const auto& L = arch_.layers[i];
    const torch::Tensor& a =
        L.inputs.empty() ? (i == 0 ? t.at("input") : t.at(arch_.layers[i - 1].name)) : t.at(L.inputs[0]);
    switch (L.kind) {
      case LayerKind::Conv2d: y = conv_.at(L.name)->forward(a); break;
      case LayerKind::Linear: y = linear_.at(L.name)->forward(a); break;
      case LayerKind::BatchNorm: y = bn_.at(L.name)->forward(a); break;
      case LayerKind::Relu:
      case LayerKind::MaxPool2d:
      case LayerKind::AvgPool2d:
      case LayerKind::Flatten:
      case LayerKind::Slice:
      case LayerKind::Pad: y = unweighted_forward(L, a); break;
      case LayerKind::Add: y = a + t.at(L.inputs[1]); break;
    }
    t[L.name] = y;
  }
  return y;
}

std::shared_ptr<torch::nn::Module> ArchNet::module(const std::string& name) const {
  const auto it = mods_.find(name);
  if (it == mods_.end()) throw Error("train: no module named '" + name + "'");
  return it->second;
}

torch::Tensor images_tensor(const workloads::Dataset& data, const workloads::Normalization& norm, std::int64_t first,
                            std::int64_t n) {
  auto t = torch::empty({n, data.channels, data.height, data.width}, torch::kFloat32);
  workloads::normalize_images(data, norm, first, n, t.data_ptr<float>());
  return t;
}

torch::Tensor labels_tensor(const workloads::Dataset& data, std::int64_t first, std::int64_t n) {
  auto t = torch::empty({n}, torch::kInt64);
  auto* p = t.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < n; ++i) p[i] = data.labels[static_cast<std::size_t>(first + i)];
  return t;
}

double evaluate(Trainable& net, const workloads::Dataset& data, const workloads::Normalization& norm, int batch,
                bool exact) {
  torch::NoGradGuard no_grad;
  net.eval();
  if (exact) net.to(torch::kFloat64);
  std::int64_t correct = 0;
  for (std::int64_t i = 0; i < data.count; i += batch) {
    const std::int64_t n = std::min<std::int64_t>(batch, data.count - i);
    auto x = images_tensor(data, norm, i, n);
    if (exact) x = x.to(torch::kFloat64);
    auto pred = net.forward(x).argmax(1);
    correct += pred.eq(labels_tensor(data, i, n)).sum().item<std::int64_t>();
  }
  if (exact) net.to(torch::kFloat32);
  return static_cast<double>(correct) / static_cast<double>(data.count);
}

namespace {

/// Random crops of x (N x C x H x W) from its zero padding by `pad` per side, one offset per image.
torch::Tensor random_crop(const torch::Tensor& x, int pad, at::Generator& gen) {
  const auto h = x.size(2), w = x.size(3);
  const auto padded = torch::constant_pad_nd(x, {pad, pad, pad, pad}, 0.0);
  const auto offsets = torch::randint(0, 2 * pad + 1, {x.size(0), 2}, gen, torch::kInt64);
  const auto* o = offsets.data_ptr<std::int64_t>();
  std::vector<torch::Tensor> out;
  out.reserve(static_cast<std::size_t>(x.size(0)));
  for (std::int64_t i = 0; i < x.size(0); ++i)
    out.push_back(padded[i].slice(1, o[2 * i], o[2 * i] + h).slice(2, o[2 * i + 1], o[2 * i + 1] + w));
  return torch::stack(out);
}

/// What a checkpoint holds beside the model and the optimizer.
struct Progress {
  int epochs_done = 0;
  double elapsed_s = 0.0;
  double train_accuracy = 0.0;
  std::vector<double> epoch_test_accuracy;
};

void save_checkpoint(const std::string& path, Trainable& net, torch::optim::Optimizer& opt, at::Generator gen,
                     const Progress& p) {
  torch::serialize::OutputArchive archive;
  net.save(archive);
  torch::serialize::OutputArchive optimizer;
  opt.save(optimizer);
  archive.write("optimizer", optimizer);
  archive.write("progress.epochs_done", torch::tensor(static_cast<std::int64_t>(p.epochs_done)));
  archive.write("progress.elapsed_s", torch::tensor(p.elapsed_s, torch::kFloat64));
  archive.write("progress.train_accuracy", torch::tensor(p.train_accuracy, torch::kFloat64));
  archive.write("progress.epoch_test_accuracy",
                torch::tensor(at::ArrayRef<double>(p.epoch_test_accuracy), torch::kFloat64));
  archive.write("rng.shuffle", gen.get_state());
  at::Generator global = at::detail::getDefaultCPUGenerator();
  archive.write("rng.torch", global.get_state());
  const std::string tmp = path + ".tmp";
  archive.save_to(tmp);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw make_error(path, "cannot write the checkpoint");
}

Progress load_checkpoint(const std::string& path, Trainable& net, torch::optim::Optimizer& opt, at::Generator& gen) {
  Progress p;
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path);
    net.load(archive);
    torch::serialize::InputArchive optimizer;
    archive.read("optimizer", optimizer);
    opt.load(optimizer);
    const auto read = [&](const char* key) {
      torch::Tensor t;  // a fresh tensor per key: read() into a defined one keeps its type
      archive.read(key, t);
      return t;
    };
    p.epochs_done = static_cast<int>(read("progress.epochs_done").item<std::int64_t>());
    p.elapsed_s = read("progress.elapsed_s").item<double>();
    p.train_accuracy = read("progress.train_accuracy").item<double>();
    const auto acc = read("progress.epoch_test_accuracy").contiguous();
    p.epoch_test_accuracy.assign(acc.data_ptr<double>(), acc.data_ptr<double>() + acc.numel());
    gen.set_state(read("rng.shuffle"));
    at::Generator global = at::detail::getDefaultCPUGenerator();
    global.set_state(read("rng.torch"));
  } catch (const c10::Error& e) {
    throw make_error(path, std::string("not a checkpoint of this model: ") + e.what_without_backtrace());
  }
  return p;
}

}  // namespace

TrainResult train(Trainable& net, const workloads::Dataset& train_set, const workloads::Dataset& test_set,
                  const workloads::Normalization& norm, const TrainOptions& opt, const TrainHooks& hooks) {
  torch::manual_seed(opt.seed);
  torch::set_num_threads(static_cast<int>(resolve_threads(static_cast<unsigned>(opt.threads))));
  const auto start = std::chrono::steady_clock::now();
  const std::int64_t n_train = opt.train_limit > 0 ? std::min(opt.train_limit, train_set.count) : train_set.count;
  const auto all_x = images_tensor(train_set, norm, 0, n_train);
  const auto all_y = labels_tensor(train_set, 0, n_train);

  torch::optim::Adam optimizer(net.parameters(), torch::optim::AdamOptions(opt.lr).weight_decay(opt.weight_decay));
  auto gen = at::detail::createCPUGenerator(opt.seed);
  TrainResult result;
  Progress progress;
  if (opt.resume && !opt.checkpoint.empty() && std::ifstream(opt.checkpoint).good()) {
    progress = load_checkpoint(opt.checkpoint, net, optimizer, gen);
    if (progress.epochs_done > opt.epochs)
      throw make_error(opt.checkpoint, "holds " + std::to_string(progress.epochs_done) +
                                           " epochs, more than --epochs " + std::to_string(opt.epochs));
    if (opt.verbose)
      std::fprintf(stderr, "resuming from %s after epoch %d\n", opt.checkpoint.c_str(), progress.epochs_done);
  }
  result.epoch_test_accuracy = progress.epoch_test_accuracy;
  result.train_accuracy = progress.train_accuracy;
  const std::int64_t steps_per_epoch = (n_train + opt.batch_size - 1) / opt.batch_size;
  const std::int64_t total_steps = steps_per_epoch * opt.epochs;
  std::int64_t step = steps_per_epoch * progress.epochs_done;
  const auto elapsed = [&] {
    return progress.elapsed_s + std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  for (int epoch = progress.epochs_done; epoch < opt.epochs; ++epoch) {
    if (hooks.epoch_begin) hooks.epoch_begin(epoch);
    net.train();
    const auto perm = torch::randperm(n_train, gen, torch::kInt64);
    double loss_sum = 0.0;
    std::int64_t correct = 0;
    for (std::int64_t b = 0; b < n_train; b += opt.batch_size) {
      const double lr =
          0.5 * opt.lr * (1.0 + std::cos(M_PI * static_cast<double>(step) / static_cast<double>(total_steps)));
      for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
      const auto idx = perm.slice(0, b, std::min(b + opt.batch_size, n_train));
      auto x = all_x.index_select(0, idx);
      const auto y = all_y.index_select(0, idx);
      if (opt.hflip) {
        const auto flip = torch::rand({x.size(0)}, gen).lt(0.5).view({-1, 1, 1, 1});
        x = torch::where(flip, x.flip({3}), x);
      }
      if (opt.crop_pad > 0) x = random_crop(x, opt.crop_pad, gen);
      optimizer.zero_grad();
      const auto logits = net.forward(x);
      const auto loss = torch::nn::functional::cross_entropy(logits, y);
      loss.backward();
      optimizer.step();
      if (hooks.after_step) hooks.after_step();
      loss_sum += loss.item<double>() * static_cast<double>(x.size(0));
      correct += logits.argmax(1).eq(y).sum().item<std::int64_t>();
      ++step;
    }
    // Per-epoch progress in float32; callers that need the exact contract evaluate at the end.
    const double test_acc = evaluate(net, test_set, norm);
    result.epoch_test_accuracy.push_back(test_acc);
    result.train_accuracy = static_cast<double>(correct) / static_cast<double>(n_train);
    if (opt.verbose) {
      std::fprintf(stderr, "epoch %2d/%d  loss %.4f  train %.2f%%  test %.2f%%  (%.0f s)\n", epoch + 1, opt.epochs,
                   loss_sum / static_cast<double>(n_train), 100.0 * result.train_accuracy, 100.0 * test_acc, elapsed());
    }
    if (!opt.checkpoint.empty()) {
      save_checkpoint(opt.checkpoint, net, optimizer, gen,
                      {epoch + 1, elapsed(), result.train_accuracy, result.epoch_test_accuracy});
    }
  }
  result.test_accuracy = hooks.exact_eval || result.epoch_test_accuracy.empty()
                             ? evaluate(net, test_set, norm, 500, hooks.exact_eval)
                             : result.epoch_test_accuracy.back();
  result.wall_time_s = elapsed();
  return result;
}

namespace {
workloads::Tensor to_tensor(const torch::Tensor& t) {
  const auto c = t.detach().to(torch::kFloat32).contiguous();
  std::vector<std::int64_t> shape(c.sizes().begin(), c.sizes().end());
  workloads::Tensor out(workloads::DType::F32, shape);
  std::memcpy(out.raw(), c.data_ptr<float>(), out.nbytes());
  return out;
}
}  // namespace

workloads::Network export_network(const ArchNet& net, const workloads::DatasetSpec& dataset,
                                  const std::string& weights_file) {
  workloads::Network out;
  const auto& arch = net.arch();
  out.name = arch.name;
  out.input_shape = arch.input_shape;
  out.dataset = dataset;
  out.weights_file = weights_file;
  for (auto L : arch.layers) {
    switch (L.kind) {
      case LayerKind::Conv2d: {
        auto m = std::dynamic_pointer_cast<nn::Conv2dImpl>(net.module(L.name));
        L.weight = L.name + ".weight";
        L.bias = L.name + ".bias";
        out.tensors[L.weight] = to_tensor(m->weight);
        out.tensors[L.bias] = to_tensor(m->bias);
        break;
      }
      case LayerKind::Linear: {
        auto m = std::dynamic_pointer_cast<nn::LinearImpl>(net.module(L.name));
        L.weight = L.name + ".weight";
        L.bias = L.name + ".bias";
        out.tensors[L.weight] = to_tensor(m->weight);
        out.tensors[L.bias] = to_tensor(m->bias);
        break;
      }
      case LayerKind::BatchNorm: {
        auto m = std::dynamic_pointer_cast<nn::BatchNorm2dImpl>(net.module(L.name));
        L.weight = L.name + ".weight";
        L.bias = L.name + ".bias";
        L.running_mean = L.name + ".running_mean";
        L.running_var = L.name + ".running_var";
        L.eps = m->options.eps();
        out.tensors[L.weight] = to_tensor(m->weight);
        out.tensors[L.bias] = to_tensor(m->bias);
        out.tensors[L.running_mean] = to_tensor(m->running_mean);
        out.tensors[L.running_var] = to_tensor(m->running_var);
        break;
      }
      default: break;
    }
    out.layers.push_back(L);
  }
  workloads::validate_and_infer(out, "export of '" + arch.name + "'");
  workloads::fold_batchnorm(out, "export of '" + arch.name + "'");
  return out;
}

}  // namespace xbarsim::train
