namespace CrsIlgpu.Kernels.Tests.Reduction;

/// <summary>
/// The (group size, row length) cases every one-group-per-row kernel is checked at: groups of 1,
/// below, at and past a warp, and not a power of two; rows shorter and much longer than the group.
/// </summary>
public static class GroupSizeCases
{
    public static TheoryData<int, int> GroupSizesAndRowLengths() => new()
    {
        { 1, 5 }, { 7, 5 }, { 7, 300 }, { 31, 300 }, { 32, 300 }, { 33, 300 }, { 100, 5 }, { 100, 300 }, { 256, 300 },
    };
}
