#include "workloads/dataset.hpp"

#include <cmath>
#include <filesystem>

#include "common/error.hpp"
#include "workloads/idx.hpp"
#include "workloads/io.hpp"
#include "workloads/safetensors.hpp"

namespace xbarsim::workloads {

namespace {

constexpr std::int64_t kCifarPixels = 3 * 32 * 32;

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

/// The label of every image, checked against the class count.
void check_labels(const Dataset& d, const std::string& where) {
  for (std::size_t i = 0; i < d.labels.size(); ++i) {
    if (d.labels[i] >= d.classes) {
      throw make_error(where, "label " + std::to_string(d.labels[i]) + " at index " + std::to_string(i) +
                                  " is outside [0, " + std::to_string(d.classes - 1) + "]");
    }
  }
}

/// `name` in `folder`; an IDX name ending in .gz also matches the uncompressed file and vice versa.
std::string find_file(const std::string& folder, const std::string& name, DatasetFormat f) {
  namespace fs = std::filesystem;
  const std::string path = resolve_path(folder, name);
  std::error_code ec;
  if (fs::exists(path, ec)) return path;
  if (f == DatasetFormat::Idx || f == DatasetFormat::FashionMnist) {
    const bool gz = name.size() > 3 && name.compare(name.size() - 3, 3, ".gz") == 0;
    const std::string other = gz ? path.substr(0, path.size() - 3) : path + ".gz";
    if (fs::exists(other, ec)) return other;
  }
  return "";
}

}  // namespace

std::string dataset_format_name(DatasetFormat f) {
  switch (f) {
    case DatasetFormat::FashionMnist: return "fashion-mnist";
    case DatasetFormat::Idx: return "idx";
    case DatasetFormat::Cifar10: return "cifar10";
    case DatasetFormat::Cifar100: return "cifar100";
    case DatasetFormat::Safetensors: return "safetensors";
  }
  return "?";
}

DatasetFormat parse_dataset_format(const std::string& s, const std::string& where) {
  for (auto f : {DatasetFormat::FashionMnist, DatasetFormat::Idx, DatasetFormat::Cifar10, DatasetFormat::Cifar100,
                 DatasetFormat::Safetensors}) {
    if (s == dataset_format_name(f)) return f;
  }
  throw Error(where + ": unknown data set format \"" + s +
              "\", expected one of: fashion-mnist, idx, cifar10, cifar100, safetensors");
}

int default_classes(DatasetFormat f) { return f == DatasetFormat::Cifar100 ? 100 : 10; }

std::vector<std::string> default_files(DatasetFormat f, Split split) {
  const bool train = split == Split::Train;
  switch (f) {
    case DatasetFormat::FashionMnist:
    case DatasetFormat::Idx:
      return train ? std::vector<std::string>{"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"}
                   : std::vector<std::string>{"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"};
    case DatasetFormat::Cifar10:
      return train ? std::vector<std::string>{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                                              "data_batch_4.bin", "data_batch_5.bin"}
                   : std::vector<std::string>{"test_batch.bin"};
    case DatasetFormat::Cifar100: return {train ? "train.bin" : "test.bin"};
    case DatasetFormat::Safetensors: return {train ? "train.safetensors" : "test.safetensors"};
  }
  return {};
}

std::string default_dataset_dir() { return XBARSIM_FASHION_MNIST_DIR; }

Dataset load_idx_pair(const std::string& images_path, const std::string& labels_path, int classes) {
  const IdxArray images = read_idx(images_path);
  const IdxArray labels = read_idx(labels_path);
  if (images.dims.size() != 3 && images.dims.size() != 4) {
    throw make_error(images_path,
                     "expected 3 (N, H, W) or 4 (N, C, H, W) dimensions, found " + std::to_string(images.dims.size()));
  }
  if (labels.dims.size() != 1)
    throw make_error(labels_path, "expected 1 dimension (N), found " + std::to_string(labels.dims.size()));
  if (labels.dims[0] != images.dims[0]) {
    throw make_error(labels_path, std::to_string(labels.dims[0]) + " labels for " + std::to_string(images.dims[0]) +
                                      " images in " + images_path);
  }
  Dataset d;
  d.count = images.dims[0];
  const bool chw = images.dims.size() == 4;
  d.channels = static_cast<int>(chw ? images.dims[1] : 1);
  d.height = static_cast<int>(images.dims[chw ? 2 : 1]);
  d.width = static_cast<int>(images.dims[chw ? 3 : 2]);
  d.classes = classes;
  d.pixels = images.data;
  d.labels = labels.data;
  check_labels(d, labels_path);
  return d;
}

Dataset load_cifar_binary(const std::vector<std::string>& paths, bool cifar100, int classes) {
  const std::int64_t label_bytes = cifar100 ? 2 : 1;
  const std::int64_t record = label_bytes + kCifarPixels;
  Dataset d;
  d.channels = 3;
  d.height = 32;
  d.width = 32;
  d.classes = classes;
  for (const auto& path : paths) {
    const std::string bytes = read_file(path);
    const auto size = static_cast<std::int64_t>(bytes.size());
    if (size == 0 || size % record != 0) {
      throw make_error(path, std::to_string(size) + " bytes is not a whole number of " + std::to_string(record) +
                                 "-byte " + (cifar100 ? "CIFAR-100" : "CIFAR-10") + " records");
    }
    const std::int64_t n = size / record;
    const std::size_t first_label = d.labels.size();
    d.pixels.reserve(d.pixels.size() + static_cast<std::size_t>(n * kCifarPixels));
    for (std::int64_t i = 0; i < n; ++i) {
      const char* rec = bytes.data() + i * record;
      d.labels.push_back(static_cast<std::uint8_t>(rec[label_bytes - 1]));  // CIFAR-100: the fine label
      d.pixels.insert(d.pixels.end(), reinterpret_cast<const std::uint8_t*>(rec + label_bytes),
                      reinterpret_cast<const std::uint8_t*>(rec + record));
    }
    d.count += n;
    Dataset part;
    part.classes = classes;
    part.labels.assign(d.labels.begin() + static_cast<std::ptrdiff_t>(first_label), d.labels.end());
    check_labels(part, path);
  }
  return d;
}

Dataset load_safetensors_images(const std::string& path, int classes) {
  const TensorFile f = read_safetensors(path);
  const auto img = f.tensors.find("images");
  const auto lab = f.tensors.find("labels");
  if (img == f.tensors.end() || lab == f.tensors.end()) {
    throw make_error(path, "expected tensors \"images\" (uint8, N x C x H x W or N x H x W) and \"labels\" (N)");
  }
  const auto& shape = img->second.shape();
  if (img->second.dtype() != DType::U8) {
    throw make_error(path, "tensor \"images\" has dtype " + dtype_name(img->second.dtype()) + ", expected U8");
  }
  if (shape.size() != 3 && shape.size() != 4) {
    throw make_error(
        path, "tensor \"images\" has shape " + img->second.shape_string() + ", expected N x C x H x W or N x H x W");
  }
  const auto& ls = lab->second.shape();
  const auto ldt = lab->second.dtype();
  if (ls.size() != 1 || ls[0] != shape[0] || ldt == DType::F32 || ldt == DType::F64) {
    throw make_error(path, "tensor \"labels\" has shape " + lab->second.shape_string() + " and dtype " +
                               dtype_name(ldt) + ", expected [" + std::to_string(shape[0]) + "] of integers");
  }
  Dataset d;
  d.count = shape[0];
  const bool chw = shape.size() == 4;
  d.channels = static_cast<int>(chw ? shape[1] : 1);
  d.height = static_cast<int>(shape[chw ? 2 : 1]);
  d.width = static_cast<int>(shape[chw ? 3 : 2]);
  d.classes = classes;
  const auto* px = img->second.data<std::uint8_t>();
  d.pixels.assign(px, px + img->second.numel());
  for (double v : lab->second.to_double()) {
    if (v < 0 || v >= classes) {
      throw make_error(path, "label " + std::to_string(static_cast<long long>(v)) + " is outside [0, " +
                                 std::to_string(classes - 1) + "]");
    }
    d.labels.push_back(static_cast<std::uint8_t>(v));
  }
  return d;
}

Dataset load_dataset(const DatasetSpec& spec, const std::string& dir_override, Split split) {
  const DatasetFormat f = spec.format;
  std::string folder = dir_override;
  if (folder.empty()) {
    folder = spec.dir.empty() && f == DatasetFormat::FashionMnist ? default_dataset_dir()
                                                                  : resolve_path(spec.base_dir, spec.dir);
  }
  const int classes = spec.classes > 0 ? spec.classes : default_classes(f);
  const auto& listed = split == Split::Train ? spec.train : spec.test;
  const std::vector<std::string> names = listed.empty() ? default_files(f, split) : listed;
  const bool idx = f == DatasetFormat::Idx || f == DatasetFormat::FashionMnist;
  const std::string what = std::string(split == Split::Train ? "train" : "test") + " split of data set '" + spec.name +
                           "' (format " + dataset_format_name(f) + ")";
  if (idx && names.size() != 2) {
    throw Error(what + ": expected two files, images and labels, found " + std::to_string(names.size()));
  }
  if (f == DatasetFormat::Safetensors && names.size() != 1) {
    throw Error(what + ": expected one safetensors file, found " + std::to_string(names.size()));
  }
  std::vector<std::string> paths;
  for (const auto& n : names) {
    const std::string p = find_file(folder, n, f);
    if (p.empty()) {
      throw Error(resolve_path(folder, n) + ": not found; the " + what + " expects " + join(names) + " in " + folder +
                  " (dataset.dir in the workload, or --data-dir)");
    }
    paths.push_back(p);
  }
  Dataset d;
  switch (f) {
    case DatasetFormat::FashionMnist:
    case DatasetFormat::Idx: d = load_idx_pair(paths[0], paths[1], classes); break;
    case DatasetFormat::Cifar10:
    case DatasetFormat::Cifar100: d = load_cifar_binary(paths, f == DatasetFormat::Cifar100, classes); break;
    case DatasetFormat::Safetensors: d = load_safetensors_images(paths[0], classes); break;
  }
  if (d.count < 1) throw Error(what + ": " + join(paths) + " hold no images");
  d.name = spec.name;
  return d;
}

Dataset load_fashion_mnist(const std::string& dir, Split split) {
  DatasetSpec spec;
  return load_dataset(spec, dir, split);
}

void check_image_size(const Dataset& data, std::int64_t input_size) {
  if (data.image_size() != input_size) {
    throw Error("data set '" + data.name + "' has images of " + std::to_string(data.image_size()) +
                " values, the network expects " + std::to_string(input_size));
  }
}

void normalize_images(const Dataset& data, const Normalization& norm, std::int64_t first, std::int64_t n, float* out) {
  for (const auto* v : {&norm.mean, &norm.std}) {
    if (v->size() != 1 && v->size() != static_cast<std::size_t>(data.channels)) {
      throw Error("data set '" + data.name + "': normalization has " + std::to_string(v->size()) +
                  " values per channel for images of " + std::to_string(data.channels) + " channels, expected 1 or " +
                  std::to_string(data.channels));
    }
  }
  const std::int64_t plane = std::int64_t{data.height} * data.width;
  const std::int64_t size = data.image_size();
  for (std::int64_t i = 0; i < n; ++i) {
    const std::uint8_t* src = data.pixels.data() + (first + i) * size;
    float* dst = out + i * size;
    for (int c = 0; c < data.channels; ++c) {
      const double mean = norm.mean.size() == 1 ? norm.mean[0] : norm.mean[static_cast<std::size_t>(c)];
      const double sd = norm.std.size() == 1 ? norm.std[0] : norm.std[static_cast<std::size_t>(c)];
      for (std::int64_t p = 0; p < plane; ++p) {
        dst[c * plane + p] = static_cast<float>((src[c * plane + p] * norm.scale - mean) / sd);
      }
    }
  }
}

}  // namespace xbarsim::workloads
