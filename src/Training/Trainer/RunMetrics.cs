using System.Text.Json.Serialization;

namespace CrsIlgpu.Training.Trainer;

/// <summary>One line of metrics.jsonl: a training step ("kind": "step") or an epoch summary ("kind": "epoch").</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(StepMetrics), "step")]
[JsonDerivedType(typeof(EpochMetrics), "epoch")]
public abstract record RunMetrics(int Epoch, int GlobalStep);
