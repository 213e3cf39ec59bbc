namespace CrsIlgpu.Kernels.Tests;

/// <summary>
/// The base of op tests that run on every test device: a theory takes [MemberData(nameof(Devices))]
/// (or a <see cref="DeviceCases"/> table) and its <c>string deviceName</c> becomes the shared context
/// through <see cref="Device"/>.
/// </summary>
public abstract class DeviceTests
{
    public static TheoryData<string> Devices => TestDevices.Names;

    protected static DeviceContext Device(string name) => TestAccelerators.Named(name);
}
