namespace CrsIlgpu.Tests.Shared;

/// <summary>
/// The one builder of device × shape theory data: every test device (<see cref="TestDevices.NameList"/>)
/// crossed with every shape given. A theory over these takes <see cref="KernelPathAttribute"/>.
/// </summary>
public static class DeviceCases
{
    public static TheoryData<string, int> Of(params int[] sizes)
    {
        var data = new TheoryData<string, int>();
        foreach (var device in TestDevices.NameList)
            foreach (var n in sizes)
                data.Add(device, n);
        return data;
    }

    public static TheoryData<string, int, int> Of(params (int, int)[] shapes)
    {
        var data = new TheoryData<string, int, int>();
        foreach (var device in TestDevices.NameList)
            foreach (var (a, b) in shapes)
                data.Add(device, a, b);
        return data;
    }

    public static TheoryData<string, int, int, int> Of(params (int, int, int)[] shapes)
    {
        var data = new TheoryData<string, int, int, int>();
        foreach (var device in TestDevices.NameList)
            foreach (var (a, b, c) in shapes)
                data.Add(device, a, b, c);
        return data;
    }

    public static TheoryData<string, int, int, int, int> Of(params (int, int, int, int)[] shapes)
    {
        var data = new TheoryData<string, int, int, int, int>();
        foreach (var device in TestDevices.NameList)
            foreach (var (a, b, c, d) in shapes)
                data.Add(device, a, b, c, d);
        return data;
    }
}
