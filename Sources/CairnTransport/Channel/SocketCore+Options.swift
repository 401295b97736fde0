import NIOCore
#if canImport(Glibc)
import Glibc
#endif

extension SocketCore {
    // MARK: Options

    func setOption<Option: ChannelOption>(_ option: Option, value: Option.Value) throws {
        switch option {
        case is ChannelOptions.Types.AutoReadOption:
            guard let on = value as? Bool else { throw ChannelError.operationUnsupported }
            autoRead = on
            if on && !readRequested, case .open = state { pipelineReference?.syncOperations.read() }
        case is ChannelOptions.Types.AllowRemoteHalfClosureOption:
            guard let on = value as? Bool else { throw ChannelError.operationUnsupported }
            allowRemoteHalfClosure = on
        case is ChannelOptions.Types.WriteBufferWaterMarkOption:
            guard let marks = value as? ChannelOptions.Types.WriteBufferWaterMark else { throw ChannelError.operationUnsupported }
            watermark = marks
            updateWritability()
        case let socketOption as ChannelOptions.Types.SocketOption:
            guard let number = value as? SocketOptionValue else { throw ChannelError.operationUnsupported }
            var raw = number
            guard setsockopt(fd, socketOption.optionLevel.rawValue, socketOption.optionName.rawValue, &raw, socklen_t(MemoryLayout<SocketOptionValue>.size)) == 0 else {
                throw IOError(errnoCode: errno, reason: "setsockopt")
            }
        default:
            throw ChannelError.operationUnsupported
        }
    }

    func getOption<Option: ChannelOption>(_ option: Option) throws -> Option.Value {
        let value: Any
        switch option {
        case is ChannelOptions.Types.AutoReadOption: value = autoRead
        case is ChannelOptions.Types.AllowRemoteHalfClosureOption: value = allowRemoteHalfClosure
        case is ChannelOptions.Types.WriteBufferWaterMarkOption: value = watermark
        case is ChannelOptions.Types.BufferedWritableBytesOption: value = bufferedBytes
        default: throw ChannelError.operationUnsupported
        }
        guard let typed = value as? Option.Value else { throw ChannelError.operationUnsupported }
        return typed
    }
}
