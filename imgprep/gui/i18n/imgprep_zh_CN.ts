<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>AppState</name>
    <message>
        <location filename="../appstate.py" line="299"/>
        <source>Cannot read the library: {0}</source>
        <translation>无法读取图库：{0}</translation>
    </message>
    <message>
        <location filename="../appstate.py" line="351"/>
        <source>The drop folder is being watched: copy the shoot into it, or switch watching off to process folders from elsewhere.</source>
        <translation>正在监视投放文件夹：请把拍摄文件夹复制进去，或关闭监视后再处理其他位置的文件夹。</translation>
    </message>
    <message>
        <location filename="../appstate.py" line="355"/>
        <source>Choose a library folder first (Settings).</source>
        <translation>请先选择图库文件夹（设置）。</translation>
    </message>
    <message>
        <location filename="../appstate.py" line="402"/>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <location filename="../appstate.py" line="412"/>
        <source>Processing {0}</source>
        <translation>正在处理 {0}</translation>
    </message>
    <message>
        <location filename="../appstate.py" line="438"/>
        <source>{0}: SKU slate of {1}</source>
        <translation>{0}：{1} 的货号牌</translation>
    </message>
    <message>
        <location filename="../appstate.py" line="458"/>
        <source>{0}: {1} done, {2} duplicate, {3} failed, {4} skipped</source>
        <translation>{0}：完成 {1}，重复 {2}，失败 {3}，跳过 {4}</translation>
    </message>
</context>
<context>
    <name>ColourView</name>
    <message>
        <location filename="../colour_view.py" line="286"/>
        <source>Open HTML report</source>
        <translation>打开 HTML 报告</translation>
    </message>
    <message>
        <location filename="../colour_view.py" line="290"/>
        <source>Measurement</source>
        <translation>测量</translation>
    </message>
    <message>
        <location filename="../colour_view.py" line="335"/>
        <source>Reference card: reference vs measured</source>
        <translation>色卡：标准值与实测值</translation>
    </message>
    <message>
        <location filename="../colour_view.py" line="336"/>
        <source>ΔE2000 per patch</source>
        <translation>各色块 ΔE2000</translation>
    </message>
    <message>
        <location filename="../colour_view.py" line="337"/>
        <source>Drift: mean ΔE2000 per day, all shoots</source>
        <translation>漂移：每日平均 ΔE2000（全部拍摄）</translation>
    </message>
    <message>
        <location filename="../colour_view.py" line="346"/>
        <source>Colour · {0}</source>
        <translation>颜色 · {0}</translation>
    </message>
    <message>
        <location filename="../colour_view.py" line="346"/>
        <source>Colour</source>
        <translation>颜色</translation>
    </message>
    <message>
        <location filename="../colour_view.py" line="370"/>
        <source>No colour report</source>
        <translation>没有色差报告</translation>
    </message>
    <message>
        <location filename="../colour_view.py" line="371"/>
        <source>Shoot a ColorChecker at the start of each lighting setup. If the card was not found, open the frame in the Shoot view and click its four corners.</source>
        <translation>每次布光开始时先拍一张 ColorChecker 色卡。若未识别到色卡，请在“拍摄”页打开该帧并点击色卡的四个角。</translation>
    </message>
    <message>
        <location filename="../colour_view.py" line="377"/>
        <source>PASS</source>
        <translation>合格</translation>
    </message>
    <message>
        <location filename="../colour_view.py" line="377"/>
        <source>FAIL</source>
        <translation>不合格</translation>
    </message>
    <message>
        <location filename="../colour_view.py" line="383"/>
        <source>Mean ΔE2000: &lt;b&gt;{0:.2f}&lt;/b&gt; → &lt;b&gt;{1:.2f}&lt;/b&gt; (limit {2:g})</source>
        <translation>平均 ΔE2000：&lt;b&gt;{0:.2f}&lt;/b&gt; → &lt;b&gt;{1:.2f}&lt;/b&gt;（上限 {2:g}）</translation>
    </message>
    <message>
        <location filename="../colour_view.py" line="385"/>
        <source>Largest: {0:.2f} (limit {1:g})</source>
        <translation>最大：{0:.2f}（上限 {1:g}）</translation>
    </message>
    <message>
        <location filename="../colour_view.py" line="386"/>
        <source>Median {0:.2f} · 90th percentile {1:.2f}</source>
        <translation>中位数 {0:.2f} · 90% 分位 {1:.2f}</translation>
    </message>
    <message>
        <location filename="../colour_view.py" line="388"/>
        <source>Model: {0}</source>
        <translation>校正模型：{0}</translation>
    </message>
    <message>
        <location filename="../colour_view.py" line="390"/>
        <source>Worst patches: {0}</source>
        <translation>偏差最大：{0}</translation>
    </message>
    <message>
        <location filename="../colour_view.py" line="405"/>
        <source>Expected on colours not on the card (leave-one-out): mean {0:.2f}, largest {1:.2f}</source>
        <translation>色卡以外颜色的预期偏差（留一法）：平均 {0:.2f}，最大 {1:.2f}</translation>
    </message>
    <message>
        <location filename="../colour_view.py" line="407"/>
        <source>The verdict uses these figures.</source>
        <translation>结论按这组数据判定。</translation>
    </message>
</context>
<context>
    <name>DeltaEChart</name>
    <message>
        <location filename="../colour_view.py" line="164"/>
        <source>No ΔE figures yet</source>
        <translation>暂无 ΔE 数据</translation>
    </message>
    <message>
        <location filename="../colour_view.py" line="195"/>
        <source>mean limit {0:g}</source>
        <translation>平均上限 {0:g}</translation>
    </message>
    <message>
        <location filename="../colour_view.py" line="195"/>
        <source>max limit {0:g}</source>
        <translation>最大上限 {0:g}</translation>
    </message>
    <message>
        <location filename="../colour_view.py" line="206"/>
        <source>before</source>
        <translation>校正前</translation>
    </message>
    <message>
        <location filename="../colour_view.py" line="206"/>
        <source>after correction</source>
        <translation>校正后</translation>
    </message>
</context>
<context>
    <name>DriftChart</name>
    <message>
        <location filename="../colour_view.py" line="231"/>
        <source>No colour measurements yet: the drift appears after the first card</source>
        <translation>还没有色彩测量：拍摄第一张色卡后显示漂移</translation>
    </message>
    <message>
        <location filename="../colour_view.py" line="269"/>
        <source>before</source>
        <translation>校正前</translation>
    </message>
    <message>
        <location filename="../colour_view.py" line="269"/>
        <source>after correction</source>
        <translation>校正后</translation>
    </message>
</context>
<context>
    <name>DropZone</name>
    <message>
        <location filename="../window.py" line="112"/>
        <source>Drop shoot folders here</source>
        <translation>把拍摄文件夹拖到这里</translation>
    </message>
    <message>
        <location filename="../window.py" line="113"/>
        <source>One folder per product, named by its SKU (e.g. A1234) or opening with its SKU slate; a camera&apos;s one folder with a slate before each product — or click to choose</source>
        <translation>每个商品一个文件夹，以货号命名（如 A1234）或第一张拍货号牌；相机的单个文件夹：每个商品前拍一张货号牌——或点击选择</translation>
    </message>
</context>
<context>
    <name>FirstSteps</name>
    <message>
        <location filename="../window.py" line="178"/>
        <source>Welcome to imgprep — first steps</source>
        <translation>欢迎使用 imgprep —— 开始前请先设置</translation>
    </message>
    <message>
        <location filename="../window.py" line="180"/>
        <source>not set yet</source>
        <translation>尚未设置</translation>
    </message>
    <message>
        <location filename="../window.py" line="181"/>
        <source>is a file, not a folder</source>
        <translation>是文件，不是文件夹</translation>
    </message>
    <message>
        <location filename="../window.py" line="182"/>
        <source>holds other files; choose an empty folder or an existing library</source>
        <translation>里面有其他文件；请选择空文件夹或已有图库</translation>
    </message>
    <message>
        <location filename="../window.py" line="183"/>
        <source>its parent folder does not exist</source>
        <translation>上级文件夹不存在</translation>
    </message>
    <message>
        <location filename="../window.py" line="191"/>
        <source>Library folder</source>
        <translation>图库文件夹</translation>
    </message>
    <message>
        <location filename="../window.py" line="193"/>
        <source>Where originals are kept (renamed SKU-01, SKU-02 …) and renditions are written.</source>
        <translation>原图按 货号-01、货号-02 … 重命名保存于此，成品图也写到这里。</translation>
    </message>
    <message>
        <location filename="../window.py" line="195"/>
        <source>Backup folder (recommended)</source>
        <translation>备份文件夹（建议）</translation>
    </message>
    <message>
        <location filename="../window.py" line="196"/>
        <source>not set: nothing is mirrored</source>
        <translation>未设置：不做备份</translation>
    </message>
    <message>
        <location filename="../window.py" line="198"/>
        <source>Product sheet (optional)</source>
        <translation>商品信息表（可选）</translation>
    </message>
    <message>
        <location filename="../window.py" line="199"/>
        <source>without it the hero has no spec panel and details no callouts</source>
        <translation>没有它，主图没有参数栏，细节图没有卖点标注</translation>
    </message>
    <message>
        <location filename="../window.py" line="200"/>
        <source>Drop a shoot folder on this window</source>
        <translation>把拍摄文件夹拖到本窗口</translation>
    </message>
    <message>
        <location filename="../window.py" line="202"/>
        <source>Choose library folder…</source>
        <translation>选择图库文件夹…</translation>
    </message>
    <message>
        <location filename="../window.py" line="203"/>
        <source>Open settings…</source>
        <translation>打开设置…</translation>
    </message>
    <message>
        <location filename="../window.py" line="204"/>
        <source>Hide this list</source>
        <translation>隐藏此列表</translation>
    </message>
</context>
<context>
    <name>ImageCanvas</name>
    <message>
        <location filename="../canvas.py" line="49"/>
        <source>Wheel or + / −: zoom · 1: actual pixels · 0: whole picture · right button: move</source>
        <translation>滚轮或 + / −：缩放 · 1：实际像素 · 0：整张图 · 右键拖动：移动</translation>
    </message>
</context>
<context>
    <name>ListingView</name>
    <message>
        <location filename="../listing_view.py" line="244"/>
        <source>Platform</source>
        <translation>平台</translation>
    </message>
    <message>
        <location filename="../listing_view.py" line="245"/>
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <location filename="../listing_view.py" line="246"/>
        <source>Drag the photos into the order of the main images. The white-background image is cut from the frame shown below: paint over what the cut got wrong (keep or remove), Ctrl+Z undoes a stroke.</source>
        <translation>拖动照片排列主图顺序。白底图从下方这张照片中抠出：抠错的地方用画笔涂抹修正（保留或去除），Ctrl+Z 撤销一笔。</translation>
    </message>
    <message>
        <location filename="../listing_view.py" line="249"/>
        <source>Keep</source>
        <translation>保留</translation>
    </message>
    <message>
        <location filename="../listing_view.py" line="250"/>
        <source>Remove</source>
        <translation>去除</translation>
    </message>
    <message>
        <location filename="../listing_view.py" line="251"/>
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <location filename="../listing_view.py" line="252"/>
        <source>Clear strokes</source>
        <translation>清除笔刷</translation>
    </message>
    <message>
        <location filename="../listing_view.py" line="253"/>
        <source>Cut the white image from the selected photo</source>
        <translation>用选中的照片做白底图</translation>
    </message>
    <message>
        <location filename="../listing_view.py" line="254"/>
        <source>Listing · %1</source>
        <translation>上架 · %1</translation>
    </message>
    <message>
        <location filename="../listing_view.py" line="254"/>
        <source>Listing</source>
        <translation>上架</translation>
    </message>
    <message>
        <location filename="../listing_view.py" line="318"/>
        <location filename="../listing_view.py" line="320"/>
        <source>main %1</source>
        <translation>主图 %1</translation>
    </message>
    <message>
        <location filename="../listing_view.py" line="318"/>
        <location filename="../listing_view.py" line="321"/>
        <source>not used</source>
        <translation>不使用</translation>
    </message>
    <message>
        <location filename="../listing_view.py" line="320"/>
        <source>main 1</source>
        <translation>主图 1</translation>
    </message>
    <message>
        <location filename="../listing_view.py" line="321"/>
        <source>its own slot</source>
        <translation>单独上传</translation>
    </message>
    <message>
        <location filename="../listing_view.py" line="322"/>
        <source>White-background image</source>
        <translation>白底图</translation>
    </message>
    <message>
        <location filename="../listing_view.py" line="389"/>
        <source>Cutting out…</source>
        <translation>正在抠图…</translation>
    </message>
    <message>
        <location filename="../listing_view.py" line="418"/>
        <source>Pure white background, no watermark, as the platform asks.</source>
        <translation>纯白背景，无水印，符合平台要求。</translation>
    </message>
    <message>
        <location filename="../listing_view.py" line="422"/>
        <source>Export to folder</source>
        <translation>导出到文件夹</translation>
    </message>
    <message>
        <location filename="../listing_view.py" line="437"/>
        <source>Export %1 for %2</source>
        <translation>导出 %1（%2）</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../window.py" line="345"/>
        <source>imgprep — product photos</source>
        <translation>imgprep —— 商品图片处理</translation>
    </message>
    <message>
        <location filename="../window.py" line="363"/>
        <location filename="../window.py" line="389"/>
        <source>Shoots</source>
        <translation>拍摄列表</translation>
    </message>
    <message>
        <location filename="../window.py" line="364"/>
        <location filename="../window.py" line="389"/>
        <source>Shoot</source>
        <translation>拍摄</translation>
    </message>
    <message>
        <location filename="../window.py" line="365"/>
        <location filename="../window.py" line="389"/>
        <source>Colour</source>
        <translation>颜色</translation>
    </message>
    <message>
        <location filename="../window.py" line="367"/>
        <location filename="../window.py" line="390"/>
        <source>Product sheet</source>
        <translation>商品信息表</translation>
    </message>
    <message>
        <location filename="../window.py" line="347"/>
        <source>Log</source>
        <translation>日志</translation>
    </message>
    <message>
        <location filename="../desktop.py" line="25"/>
        <source>Nothing on this computer opens {0}: its path is on the clipboard</source>
        <translation>这台电脑上没有程序能打开 {0}：路径已复制到剪贴板</translation>
    </message>
    <message>
        <location filename="../window.py" line="366"/>
        <location filename="../window.py" line="389"/>
        <source>Listing</source>
        <translation>上架</translation>
    </message>
    <message>
        <location filename="../window.py" line="374"/>
        <source>Add shoot folders…</source>
        <translation>添加拍摄文件夹…</translation>
    </message>
    <message>
        <location filename="../window.py" line="375"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../window.py" line="376"/>
        <source>Print SKU slates…</source>
        <translation>打印货号牌…</translation>
    </message>
    <message>
        <location filename="../window.py" line="377"/>
        <source>Watch drop folder</source>
        <translation>监视投放文件夹</translation>
    </message>
    <message>
        <location filename="../window.py" line="379"/>
        <source>Settings…</source>
        <translation>设置…</translation>
    </message>
    <message>
        <location filename="../window.py" line="380"/>
        <source>Open library in file manager</source>
        <translation>在文件管理器中打开图库</translation>
    </message>
    <message>
        <location filename="../window.py" line="382"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../window.py" line="383"/>
        <location filename="../window.py" line="746"/>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <location filename="../window.py" line="384"/>
        <location filename="../window.py" line="736"/>
        <source>About imgprep</source>
        <translation>关于 imgprep</translation>
    </message>
    <message>
        <location filename="../window.py" line="386"/>
        <source>Log panel</source>
        <translation>日志面板</translation>
    </message>
    <message>
        <location filename="../window.py" line="395"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../window.py" line="399"/>
        <source>&amp;View</source>
        <translation>查看(&amp;V)</translation>
    </message>
    <message>
        <location filename="../window.py" line="402"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../window.py" line="405"/>
        <source>Main</source>
        <translation>主工具栏</translation>
    </message>
    <message>
        <location filename="../window.py" line="509"/>
        <source>Choose a library folder first (Settings).</source>
        <translation>请先选择图库文件夹（设置）。</translation>
    </message>
    <message>
        <location filename="../window.py" line="515"/>
        <source>Choose a shoot folder (named by SKU)</source>
        <translation>选择拍摄文件夹（以货号命名）</translation>
    </message>
    <message>
        <location filename="../window.py" line="535"/>
        <location filename="../window.py" line="550"/>
        <source>SKU slates</source>
        <translation>货号牌</translation>
    </message>
    <message>
        <location filename="../window.py" line="535"/>
        <source>SKUs, separated by spaces or commas:</source>
        <translation>货号（用空格或逗号分隔）：</translation>
    </message>
    <message>
        <location filename="../window.py" line="539"/>
        <source>Folder for the SKU slates</source>
        <translation>货号牌保存位置</translation>
    </message>
    <message>
        <location filename="../window.py" line="545"/>
        <source>SKU slates written: {0}, in {1}. Print them and shoot one as each product&apos;s first frame</source>
        <translation>已生成货号牌 {0} 张，保存在 {1}。打印出来，每个商品先拍对应的一张</translation>
    </message>
    <message>
        <location filename="../window.py" line="554"/>
        <source>Choose the library folder</source>
        <translation>选择图库文件夹</translation>
    </message>
    <message>
        <location filename="../window.py" line="602"/>
        <source>Another imgprep window has this library open ({0}, process {1}): edits in both windows may get in each other&apos;s way</source>
        <translation>另一个 imgprep 窗口已打开此图库（{0}，进程 {1}）：两个窗口同时编辑可能互相干扰</translation>
    </message>
    <message>
        <location filename="../window.py" line="621"/>
        <source>Watch {0}</source>
        <translation>监视 {0}</translation>
    </message>
    <message>
        <location filename="../window.py" line="622"/>
        <source>Set a drop folder in Settings first</source>
        <translation>请先在设置中指定投放文件夹</translation>
    </message>
    <message>
        <location filename="../window.py" line="632"/>
        <source>Wait for the running batch to finish, then start watching.</source>
        <translation>请等当前批量处理结束后再开始监视。</translation>
    </message>
    <message>
        <location filename="../window.py" line="655"/>
        <source>{0}: {1}</source>
        <translation>{0}：{1}</translation>
    </message>
    <message>
        <location filename="../window.py" line="659"/>
        <source>Shoot finished</source>
        <translation>拍摄处理完成</translation>
    </message>
    <message>
        <location filename="../window.py" line="659"/>
        <source>{0} is ready</source>
        <translation>{0} 已就绪</translation>
    </message>
    <message>
        <location filename="../window.py" line="661"/>
        <source>Shoot failed</source>
        <translation>拍摄处理失败</translation>
    </message>
    <message>
        <location filename="../window.py" line="661"/>
        <source>{0}: some frames failed — see the log</source>
        <translation>{0}：部分图片失败——请查看日志</translation>
    </message>
    <message>
        <location filename="../window.py" line="681"/>
        <source>less than a minute left</source>
        <translation>剩余不到 1 分钟</translation>
    </message>
    <message>
        <location filename="../window.py" line="682"/>
        <source>about {0} min left</source>
        <translation>约剩 {0} 分钟</translation>
    </message>
    <message>
        <location filename="../window.py" line="698"/>
        <source>Library: {0}</source>
        <translation>图库：{0}</translation>
    </message>
    <message>
        <location filename="../window.py" line="698"/>
        <source>No library chosen</source>
        <translation>未选择图库</translation>
    </message>
    <message>
        <location filename="../window.py" line="700"/>
        <source>Other stations: {0}</source>
        <translation>其他电脑：{0}</translation>
    </message>
    <message>
        <location filename="../window.py" line="708"/>
        <source>processing</source>
        <translation>正在处理</translation>
    </message>
    <message>
        <location filename="../window.py" line="708"/>
        <source>watching the drop folder</source>
        <translation>正在监视投放文件夹</translation>
    </message>
    <message>
        <location filename="../window.py" line="709"/>
        <source>standing by</source>
        <translation>待命</translation>
    </message>
    <message>
        <location filename="../window.py" line="737"/>
        <source>&lt;h3&gt;imgprep {0}&lt;/h3&gt;&lt;p&gt;Prepares product photos for online shops: naming, colour, renditions, backup.&lt;/p&gt;&lt;p&gt;Python {1} · Qt {2} · PySide6 {3} · Pillow {4}&lt;/p&gt;&lt;p&gt;Font: Noto Sans CJK SC subset (SIL Open Font License).&lt;/p&gt;</source>
        <translation>&lt;h3&gt;imgprep {0}&lt;/h3&gt;&lt;p&gt;为网店准备商品图片：命名、校色、出图、备份。&lt;/p&gt;&lt;p&gt;Python {1} · Qt {2} · PySide6 {3} · Pillow {4}&lt;/p&gt;&lt;p&gt;字体：Noto Sans CJK SC 子集（SIL 开放字体许可）。&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../window.py" line="746"/>
        <source>A batch is running. Cancel it and quit?</source>
        <translation>正在批量处理。取消并退出吗？</translation>
    </message>
</context>
<context>
    <name>PageView</name>
    <message>
        <location filename="../page_view.py" line="46"/>
        <source>Fit width</source>
        <translation>适应宽度</translation>
    </message>
    <message>
        <location filename="../page_view.py" line="47"/>
        <source>1:1</source>
        <translation>1:1</translation>
    </message>
    <message>
        <location filename="../page_view.py" line="53"/>
        <source>Rebuild page</source>
        <translation>重新生成详情页</translation>
    </message>
    <message>
        <location filename="../page_view.py" line="62"/>
        <source>Sections:</source>
        <translation>栏目：</translation>
    </message>
    <message>
        <location filename="../page_view.py" line="78"/>
        <source>Banner</source>
        <translation>店铺横幅</translation>
    </message>
    <message>
        <location filename="../page_view.py" line="78"/>
        <source>Product info</source>
        <translation>商品信息</translation>
    </message>
    <message>
        <location filename="../page_view.py" line="79"/>
        <source>Selling points</source>
        <translation>产品卖点</translation>
    </message>
    <message>
        <location filename="../page_view.py" line="79"/>
        <source>Dimensions</source>
        <translation>尺寸说明</translation>
    </message>
    <message>
        <location filename="../page_view.py" line="80"/>
        <source>Size chart</source>
        <translation>尺码表</translation>
    </message>
    <message>
        <location filename="../page_view.py" line="80"/>
        <source>Notes</source>
        <translation>购物须知</translation>
    </message>
    <message>
        <location filename="../page_view.py" line="80"/>
        <source>Footer</source>
        <translation>页尾横幅</translation>
    </message>
    <message>
        <location filename="../page_view.py" line="100"/>
        <source>Up to date: {0} × {1} px, {2} slices.</source>
        <translation>最新：{0} × {1} 像素，{2} 张切片。</translation>
    </message>
    <message>
        <location filename="../page_view.py" line="108"/>
        <source>Press “Rebuild page” to make it.</source>
        <translation>按“重新生成详情页”生成。</translation>
    </message>
    <message>
        <location filename="../page_view.py" line="137"/>
        <source>Cannot show the page: {0}</source>
        <translation>无法显示详情页：{0}</translation>
    </message>
    <message>
        <location filename="../page_view.py" line="168"/>
        <location filename="../page_view.py" line="174"/>
        <source>Description page of {0}</source>
        <translation>{0} 的详情页</translation>
    </message>
</context>
<context>
    <name>PathField</name>
    <message>
        <location filename="../settings.py" line="80"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
</context>
<context>
    <name>PresetEditor</name>
    <message>
        <location filename="../settings.py" line="115"/>
        <source>Watermark</source>
        <translation>水印</translation>
    </message>
    <message>
        <location filename="../settings.py" line="118"/>
        <source>Put a watermark on every rendition</source>
        <translation>所有成品图加水印</translation>
    </message>
    <message>
        <location filename="../settings.py" line="131"/>
        <source>Text</source>
        <translation>文字</translation>
    </message>
    <message>
        <location filename="../settings.py" line="132"/>
        <source>Position</source>
        <translation>位置</translation>
    </message>
    <message>
        <location filename="../settings.py" line="133"/>
        <source>Opacity</source>
        <translation>不透明度</translation>
    </message>
    <message>
        <location filename="../settings.py" line="134"/>
        <source>Width (fraction of image)</source>
        <translation>宽度（占图宽比例）</translation>
    </message>
    <message>
        <location filename="../settings.py" line="135"/>
        <source>Margin</source>
        <translation>边距</translation>
    </message>
    <message>
        <location filename="../settings.py" line="136"/>
        <location filename="../settings.py" line="142"/>
        <source>Colour</source>
        <translation>颜色</translation>
    </message>
    <message>
        <location filename="../settings.py" line="139"/>
        <source>Spec panel on the hero</source>
        <translation>主图参数栏</translation>
    </message>
    <message>
        <location filename="../settings.py" line="142"/>
        <location filename="../settings.py" line="165"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../settings.py" line="142"/>
        <source>SKU</source>
        <translation>货号</translation>
    </message>
    <message>
        <location filename="../settings.py" line="143"/>
        <source>Fabric</source>
        <translation>面料</translation>
    </message>
    <message>
        <location filename="../settings.py" line="143"/>
        <source>Size</source>
        <translation>尺码</translation>
    </message>
    <message>
        <location filename="../settings.py" line="143"/>
        <source>Dimensions</source>
        <translation>长宽高</translation>
    </message>
    <message>
        <location filename="../settings.py" line="144"/>
        <source>Description</source>
        <translation>商品说明</translation>
    </message>
    <message>
        <location filename="../settings.py" line="151"/>
        <source>Chinese labels</source>
        <translation>中文标签</translation>
    </message>
    <message>
        <location filename="../settings.py" line="152"/>
        <source>English labels</source>
        <translation>英文标签</translation>
    </message>
    <message>
        <location filename="../settings.py" line="155"/>
        <source>Below the photo</source>
        <translation>放在图片下方</translation>
    </message>
    <message>
        <location filename="../settings.py" line="156"/>
        <source>Band over the photo</source>
        <translation>叠在图片底部</translation>
    </message>
    <message>
        <location filename="../settings.py" line="162"/>
        <source>Renditions</source>
        <translation>成品图</translation>
    </message>
    <message>
        <location filename="../settings.py" line="165"/>
        <source>For</source>
        <translation>用于</translation>
    </message>
    <message>
        <location filename="../settings.py" line="165"/>
        <source>Width px</source>
        <translation>宽度 px</translation>
    </message>
    <message>
        <location filename="../settings.py" line="166"/>
        <source>Quality</source>
        <translation>质量</translation>
    </message>
    <message>
        <location filename="../settings.py" line="166"/>
        <source>File suffix</source>
        <translation>文件后缀</translation>
    </message>
    <message>
        <location filename="../settings.py" line="177"/>
        <source>Preview</source>
        <translation>预览</translation>
    </message>
    <message>
        <location filename="../settings.py" line="203"/>
        <source>top left</source>
        <translation>左上</translation>
    </message>
    <message>
        <location filename="../settings.py" line="203"/>
        <source>top</source>
        <translation>上</translation>
    </message>
    <message>
        <location filename="../settings.py" line="203"/>
        <source>top right</source>
        <translation>右上</translation>
    </message>
    <message>
        <location filename="../settings.py" line="204"/>
        <source>left</source>
        <translation>左</translation>
    </message>
    <message>
        <location filename="../settings.py" line="204"/>
        <source>centre</source>
        <translation>居中</translation>
    </message>
    <message>
        <location filename="../settings.py" line="204"/>
        <source>right</source>
        <translation>右</translation>
    </message>
    <message>
        <location filename="../settings.py" line="205"/>
        <source>bottom left</source>
        <translation>左下</translation>
    </message>
    <message>
        <location filename="../settings.py" line="205"/>
        <source>bottom</source>
        <translation>下</translation>
    </message>
    <message>
        <location filename="../settings.py" line="206"/>
        <source>bottom right</source>
        <translation>右下</translation>
    </message>
    <message>
        <location filename="../settings.py" line="206"/>
        <source>tiled</source>
        <translation>平铺</translation>
    </message>
    <message>
        <location filename="../settings.py" line="219"/>
        <location filename="../settings.py" line="232"/>
        <source>hero</source>
        <translation>主图</translation>
    </message>
    <message>
        <location filename="../settings.py" line="219"/>
        <location filename="../settings.py" line="232"/>
        <source>details</source>
        <translation>细节图</translation>
    </message>
    <message>
        <location filename="../settings.py" line="232"/>
        <source>main image</source>
        <translation>主图</translation>
    </message>
    <message>
        <location filename="../settings.py" line="241"/>
        <source>Watermark colour</source>
        <translation>水印颜色</translation>
    </message>
    <message>
        <location filename="../settings.py" line="270"/>
        <source>rendition {0}: width and quality must be whole numbers</source>
        <translation>成品图 {0}：宽度和质量必须是整数</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../settings.py" line="298"/>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../settings.py" line="307"/>
        <source>Library folder</source>
        <translation>图库文件夹</translation>
    </message>
    <message>
        <location filename="../settings.py" line="308"/>
        <location filename="../settings.py" line="328"/>
        <source>Drop folder</source>
        <translation>投放文件夹</translation>
    </message>
    <message>
        <location filename="../settings.py" line="309"/>
        <location filename="../settings.py" line="329"/>
        <source>Backup folder</source>
        <translation>备份文件夹</translation>
    </message>
    <message>
        <location filename="../settings.py" line="310"/>
        <location filename="../settings.py" line="339"/>
        <source>Product sheet</source>
        <translation>商品信息表</translation>
    </message>
    <message>
        <location filename="../settings.py" line="310"/>
        <source>Product sheets (*.csv *.xlsx *.xlsm *.xls *.txt)</source>
        <translation>商品信息表 (*.csv *.xlsx *.xlsm *.xls *.txt)</translation>
    </message>
    <message>
        <location filename="../settings.py" line="317"/>
        <source>automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <location filename="../settings.py" line="321"/>
        <source>System ({0})</source>
        <translation>跟随系统（{0}）</translation>
    </message>
    <message>
        <location filename="../settings.py" line="326"/>
        <source>Library folder *</source>
        <translation>图库文件夹 *</translation>
    </message>
    <message>
        <location filename="../settings.py" line="327"/>
        <source>Originals and renditions are kept here; the journal too.</source>
        <translation>原图、成品图和处理记录都保存在这里。</translation>
    </message>
    <message>
        <location filename="../settings.py" line="333"/>
        <source>Several stations on one library: the journal on a PostgreSQL server. Kept with the library, so every station finds it; the password goes in ~/.pgpass. Empty: the library&apos;s own journal (one station).</source>
        <translation>多台电脑共用一个图库：日志保存在 PostgreSQL 服务器上。该设置随图库保存，每台电脑都能找到；密码请写在 ~/.pgpass 中。留空：使用图库自带的日志（单机）。</translation>
    </message>
    <message>
        <location filename="../settings.py" line="337"/>
        <source>Server journal</source>
        <translation>服务器日志</translation>
    </message>
    <message>
        <location filename="../settings.py" line="340"/>
        <source>Worker processes</source>
        <translation>工作进程数</translation>
    </message>
    <message>
        <location filename="../settings.py" line="341"/>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location filename="../settings.py" line="342"/>
        <source>General</source>
        <translation>常规</translation>
    </message>
    <message>
        <location filename="../settings.py" line="352"/>
        <source>Save as my preset…</source>
        <translation>另存为我的预设…</translation>
    </message>
    <message>
        <location filename="../settings.py" line="354"/>
        <location filename="../settings.py" line="363"/>
        <source>Preset</source>
        <translation>预设</translation>
    </message>
    <message>
        <location filename="../settings.py" line="399"/>
        <source>{0} (built in)</source>
        <translation>{0}（内置）</translation>
    </message>
    <message>
        <location filename="../settings.py" line="429"/>
        <source>Save preset</source>
        <translation>保存预设</translation>
    </message>
    <message>
        <location filename="../settings.py" line="429"/>
        <source>Name (letters, digits, - and _):</source>
        <translation>名称（字母、数字、- 和 _）：</translation>
    </message>
    <message>
        <location filename="../settings.py" line="450"/>
        <source>Required: where imgprep keeps the photos.</source>
        <translation>必填：imgprep 保存图片的位置。</translation>
    </message>
    <message>
        <location filename="../settings.py" line="451"/>
        <source>This is a file, not a folder.</source>
        <translation>这是文件，不是文件夹。</translation>
    </message>
    <message>
        <location filename="../settings.py" line="452"/>
        <source>This folder holds other files. Choose an empty folder or an existing imgprep library.</source>
        <translation>该文件夹中有其他文件。请选择空文件夹或已有的 imgprep 图库。</translation>
    </message>
    <message>
        <location filename="../settings.py" line="453"/>
        <source>The folder above it does not exist.</source>
        <translation>上级文件夹不存在。</translation>
    </message>
    <message>
        <location filename="../settings.py" line="454"/>
        <source>No such folder.</source>
        <translation>文件夹不存在。</translation>
    </message>
    <message>
        <location filename="../settings.py" line="455"/>
        <source>Must not be the library itself.</source>
        <translation>不能是图库本身。</translation>
    </message>
    <message>
        <location filename="../settings.py" line="456"/>
        <source>Not reachable (is the share mounted?). Copies will wait.</source>
        <translation>无法访问（共享是否已挂载？）。备份会排队等待。</translation>
    </message>
    <message>
        <location filename="../settings.py" line="457"/>
        <source>Must be another disk or computer, not the library.</source>
        <translation>必须是另一块硬盘或另一台电脑，不能是图库。</translation>
    </message>
    <message>
        <location filename="../settings.py" line="458"/>
        <source>No such file.</source>
        <translation>文件不存在。</translation>
    </message>
</context>
<context>
    <name>SheetView</name>
    <message>
        <location filename="../sheet_view.py" line="38"/>
        <source>Load product sheet…</source>
        <translation>载入商品信息表…</translation>
    </message>
    <message>
        <location filename="../sheet_view.py" line="54"/>
        <source>SKU</source>
        <translation>货号</translation>
    </message>
    <message>
        <location filename="../sheet_view.py" line="54"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../sheet_view.py" line="54"/>
        <source>Shot</source>
        <translation>已拍摄</translation>
    </message>
    <message>
        <location filename="../sheet_view.py" line="54"/>
        <source>Frames</source>
        <translation>张数</translation>
    </message>
    <message>
        <location filename="../sheet_view.py" line="55"/>
        <source>Missing fields</source>
        <translation>缺少字段</translation>
    </message>
    <message>
        <location filename="../sheet_view.py" line="55"/>
        <source>3-day rule</source>
        <translation>三天规则</translation>
    </message>
    <message>
        <location filename="../sheet_view.py" line="73"/>
        <source>Product sheet</source>
        <translation>商品信息表</translation>
    </message>
    <message>
        <location filename="../sheet_view.py" line="74"/>
        <source>Product sheets (*.csv *.xlsx *.xlsm *.xls *.txt)</source>
        <translation>商品信息表 (*.csv *.xlsx *.xlsm *.xls *.txt)</translation>
    </message>
    <message>
        <location filename="../sheet_view.py" line="92"/>
        <source>{0}: products: {1}</source>
        <translation>{0}：{1} 个商品</translation>
    </message>
    <message>
        <location filename="../sheet_view.py" line="93"/>
        <source>columns read: {0}</source>
        <translation>已读取的列：{0}</translation>
    </message>
    <message>
        <location filename="../sheet_view.py" line="95"/>
        <source>columns not read: {0}</source>
        <translation>未读取的列：{0}</translation>
    </message>
    <message>
        <location filename="../sheet_view.py" line="96"/>
        <source>shoots not in the sheet: {0}</source>
        <translation>表中没有的拍摄：{0}</translation>
    </message>
    <message>
        <location filename="../sheet_view.py" line="97"/>
        <source>every shoot of the library is in the sheet</source>
        <translation>图库中的拍摄都在表中</translation>
    </message>
    <message>
        <location filename="../sheet_view.py" line="98"/>
        <source>; </source>
        <translation>；</translation>
    </message>
    <message>
        <location filename="../sheet_view.py" line="105"/>
        <source>Render again with the product sheet</source>
        <translation>按商品信息表重新出图</translation>
    </message>
    <message>
        <location filename="../sheet_view.py" line="112"/>
        <source>Rendered again: {0}</source>
        <translation>已重新出图：{0}</translation>
    </message>
    <message>
        <location filename="../sheet_view.py" line="122"/>
        <source>No product sheet loaded</source>
        <translation>未载入商品信息表</translation>
    </message>
    <message>
        <location filename="../sheet_view.py" line="132"/>
        <source>Cannot read the sheet</source>
        <translation>无法读取该表格</translation>
    </message>
    <message>
        <location filename="../sheet_view.py" line="139"/>
        <source>Render again with this sheet: {0}</source>
        <translation>按此表重新出图：{0}</translation>
    </message>
    <message>
        <location filename="../sheet_view.py" line="140"/>
        <source>The sheet&apos;s rows of these shoots are new or changed since they were rendered: their hero panels and callouts are rendered again</source>
        <translation>这些拍摄在表中的行是出图后新增或修改的：将重新生成主图参数栏和卖点标注</translation>
    </message>
    <message>
        <location filename="../sheet_view.py" line="145"/>
        <source>Cannot read the library</source>
        <translation>无法读取图库</translation>
    </message>
    <message>
        <location filename="../sheet_view.py" line="147"/>
        <source>name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../sheet_view.py" line="147"/>
        <source>colour</source>
        <translation>颜色</translation>
    </message>
    <message>
        <location filename="../sheet_view.py" line="147"/>
        <source>fabric</source>
        <translation>面料</translation>
    </message>
    <message>
        <location filename="../sheet_view.py" line="148"/>
        <source>size</source>
        <translation>尺码</translation>
    </message>
    <message>
        <location filename="../sheet_view.py" line="148"/>
        <source>description</source>
        <translation>商品说明</translation>
    </message>
    <message>
        <location filename="../sheet_view.py" line="148"/>
        <source>dimensions</source>
        <translation>长宽高</translation>
    </message>
    <message>
        <location filename="../sheet_view.py" line="156"/>
        <source>{0} d overdue</source>
        <translation>超期 {0} 天</translation>
    </message>
    <message>
        <location filename="../sheet_view.py" line="158"/>
        <source>{0} d left</source>
        <translation>剩 {0} 天</translation>
    </message>
    <message>
        <location filename="../sheet_view.py" line="159"/>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <location filename="../sheet_view.py" line="159"/>
        <source>not yet</source>
        <translation>未拍</translation>
    </message>
    <message>
        <location filename="../sheet_view.py" line="173"/>
        <source>{0} products · {1} shot · {2} overdue without photos · {3} lack fields</source>
        <translation>共 {0} 个商品 · 已拍 {1} · 超期未拍 {2} · 缺字段 {3}</translation>
    </message>
</context>
<context>
    <name>ShootModel</name>
    <message>
        <location filename="../appstate.py" line="651"/>
        <source>SKU</source>
        <translation>货号</translation>
    </message>
    <message>
        <location filename="../appstate.py" line="651"/>
        <source>Frames</source>
        <translation>张数</translation>
    </message>
    <message>
        <location filename="../appstate.py" line="651"/>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../appstate.py" line="651"/>
        <source>Progress</source>
        <translation>进度</translation>
    </message>
    <message>
        <location filename="../appstate.py" line="652"/>
        <source>Colour</source>
        <translation>颜色</translation>
    </message>
    <message>
        <location filename="../appstate.py" line="652"/>
        <source>3-day rule</source>
        <translation>三天规则</translation>
    </message>
    <message>
        <location filename="../appstate.py" line="652"/>
        <source>Backup</source>
        <translation>备份</translation>
    </message>
    <message>
        <location filename="../appstate.py" line="652"/>
        <source>Hero image</source>
        <translation>主图文件</translation>
    </message>
    <message>
        <location filename="../appstate.py" line="673"/>
        <source>processing</source>
        <translation>处理中</translation>
    </message>
    <message>
        <location filename="../appstate.py" line="675"/>
        <location filename="../appstate.py" line="681"/>
        <source>queued</source>
        <translation>排队中</translation>
    </message>
    <message>
        <location filename="../appstate.py" line="677"/>
        <source>done</source>
        <translation>完成</translation>
    </message>
    <message>
        <location filename="../appstate.py" line="677"/>
        <source>{0} failed</source>
        <translation>{0} 张失败</translation>
    </message>
    <message>
        <location filename="../appstate.py" line="678"/>
        <source>cancelled: {0} of {1}</source>
        <translation>已取消：{1} 张中完成 {0} 张</translation>
    </message>
    <message>
        <location filename="../appstate.py" line="679"/>
        <source>needs attention</source>
        <translation>需要处理</translation>
    </message>
    <message>
        <location filename="../appstate.py" line="680"/>
        <source>unfinished</source>
        <translation>未完成</translation>
    </message>
    <message>
        <location filename="../appstate.py" line="680"/>
        <source>empty</source>
        <translation>空</translation>
    </message>
    <message>
        <location filename="../appstate.py" line="702"/>
        <source>{0} + {1} card</source>
        <translation>{0} + {1} 色卡</translation>
    </message>
    <message>
        <location filename="../appstate.py" line="709"/>
        <source>no card</source>
        <translation>无色卡</translation>
    </message>
    <message>
        <location filename="../appstate.py" line="710"/>
        <source>pass</source>
        <translation>合格</translation>
    </message>
    <message>
        <location filename="../appstate.py" line="710"/>
        <source>fail</source>
        <translation>不合格</translation>
    </message>
    <message>
        <location filename="../appstate.py" line="713"/>
        <source>uncorrected: {0}</source>
        <translation>未校正 {0} 张</translation>
    </message>
    <message>
        <location filename="../appstate.py" line="718"/>
        <source>{0} d overdue</source>
        <translation>超期 {0} 天</translation>
    </message>
    <message>
        <location filename="../appstate.py" line="719"/>
        <source>{0} d left</source>
        <translation>剩 {0} 天</translation>
    </message>
    <message>
        <location filename="../appstate.py" line="724"/>
        <source>not copied yet</source>
        <translation>尚未备份</translation>
    </message>
    <message>
        <location filename="../appstate.py" line="725"/>
        <source>verified</source>
        <translation>已校验</translation>
    </message>
    <message>
        <location filename="../appstate.py" line="725"/>
        <source>off</source>
        <translation>未开启</translation>
    </message>
    <message>
        <location filename="../appstate.py" line="726"/>
        <source>{0} pending</source>
        <translation>{0} 待备份</translation>
    </message>
</context>
<context>
    <name>ShootView</name>
    <message>
        <location filename="../shoot_view.py" line="65"/>
        <source>Renditions</source>
        <translation>成品图</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="66"/>
        <source>Originals</source>
        <translation>原图</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="73"/>
        <source>Render again</source>
        <translation>重新出图</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="74"/>
        <source>Render this shoot&apos;s frames again with the product sheet as it is now (a late or corrected sheet, an edited callouts.toml)</source>
        <translation>按当前商品信息表重新生成本次拍摄的成品图（表格晚到或已更正、callouts.toml 已修改时）</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="83"/>
        <source>Thumbnail size</source>
        <translation>缩略图大小</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="128"/>
        <source>Mark as hero</source>
        <translation>设为主图</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="130"/>
        <source>Ctrl+H — the spec panel moves to this frame; names stay</source>
        <translation>Ctrl+H —— 参数栏移到这张图；文件编号不变</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="132"/>
        <source>Show in folder</source>
        <translation>在文件夹中显示</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="139"/>
        <source>Selling-point callout</source>
        <translation>卖点标注</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="143"/>
        <source>Text of the callout</source>
        <translation>标注文字</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="144"/>
        <source>Move the anchor</source>
        <translation>移动指示点</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="149"/>
        <source>Save and re-render</source>
        <translation>保存并重新出图</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="166"/>
        <source>Colour</source>
        <translation>颜色</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="168"/>
        <source>Before / after split</source>
        <translation>校色前后对比</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="170"/>
        <source>Pick card corners</source>
        <translation>点选色卡四角</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="172"/>
        <source>Click the outer corners of the card: patch 1 (dark skin) first, then clockwise</source>
        <translation>依次点击色卡外角：先点 1 号色块（深肤色）一角，再顺时针</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="174"/>
        <source>Measure colour</source>
        <translation>测量颜色</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="177"/>
        <source>Correct this shoot with it</source>
        <translation>用它校正本次拍摄</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="205"/>
        <source>Frames</source>
        <translation>照片</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="207"/>
        <source>详情页 Description page</source>
        <translation>详情页</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="239"/>
        <source>Undo: {0}</source>
        <translation>已撤销：{0}</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="248"/>
        <source>No shoot selected</source>
        <translation>未选择拍摄</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="252"/>
        <source>frames: {0} · hero {1}</source>
        <translation>{0} 张 · 主图 {1}</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="255"/>
        <source>Double-click a shoot in the list</source>
        <translation>在拍摄列表中双击一个拍摄</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="270"/>
        <source>… and {0} more</source>
        <translation>……还有 {0} 条</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="290"/>
        <source>A batch is running: edits wait in the queue until it ends.</source>
        <translation>正在批量处理：修改会排队，处理结束后执行。</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="309"/>
        <location filename="../shoot_view.py" line="387"/>
        <source>hero</source>
        <translation>主图</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="311"/>
        <source>card</source>
        <translation>色卡</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="337"/>
        <source>No frames</source>
        <translation>没有图片</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="387"/>
        <source>detail</source>
        <translation>细节图</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="387"/>
        <source>reference card</source>
        <translation>色卡</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="390"/>
        <source>original: {0}</source>
        <translation>原文件：{0}</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="391"/>
        <source>in library: {0}</source>
        <translation>图库中：{0}</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="393"/>
        <source>renditions: {0}</source>
        <translation>成品图：{0}</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="394"/>
        <source>designer&apos;s PSD: {0}</source>
        <translation>设计师 PSD：{0}</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="405"/>
        <source>No colour fit for this shoot.</source>
        <translation>本次拍摄还没有色彩校正。</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="410"/>
        <source>Anchor: automatic (centre of the product)</source>
        <translation>指示点：自动（商品中心）</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="411"/>
        <source>Anchor: {0:.0f} % across, {1:.0f} % down</source>
        <translation>指示点：横向 {0:.0f}%，纵向 {1:.0f}%</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="420"/>
        <source>Loading…</source>
        <translation>载入中…</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="441"/>
        <source>before</source>
        <translation>校正前</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="441"/>
        <source>after</source>
        <translation>校正后</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="445"/>
        <source>The file uses a small part of its 16-bit range: shown {0:.0f}× brighter</source>
        <translation>文件只用到 16 位范围的一小部分：已提亮 {0:.0f} 倍显示</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="448"/>
        <source>This frame was not colour corrected (no card before it)</source>
        <translation>此帧未做颜色校正（之前没有色卡）</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="462"/>
        <location filename="../shoot_view.py" line="466"/>
        <source>Mark {0} as hero</source>
        <translation>将 {0} 设为主图</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="474"/>
        <source>Render {0} again</source>
        <translation>重新出图 {0}</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="482"/>
        <source>Rendered again: {0}</source>
        <translation>已重新出图：{0}</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="510"/>
        <source>Preview — not saved yet (Ctrl+S saves)</source>
        <translation>预览——尚未保存（Ctrl+S 保存）</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="519"/>
        <source>Callout of {0}</source>
        <translation>{0} 的卖点标注</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="538"/>
        <source>Click corner 1 of 4: beside patch 1, dark skin (brown) — the wheel zooms</source>
        <translation>点击第 1 个角（共 4 个）：第 1 块“深肤色”（棕色）旁的角——滚轮可缩放</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="539"/>
        <source>Click corner 2 of 4: beside patch 6, bluish green (clockwise from the first)</source>
        <translation>点击第 2 个角：第 6 块“蓝绿色”旁的角（从第一个角顺时针）</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="540"/>
        <source>Click corner 3 of 4: beside patch 24, black</source>
        <translation>点击第 3 个角：第 24 块“黑色”旁的角</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="541"/>
        <source>Click corner 4 of 4: beside patch 19, white</source>
        <translation>点击第 4 个角：第 19 块“白色”旁的角</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="546"/>
        <source>Four corners set — press “Measure colour”</source>
        <translation>四个角已选好——请点“测量颜色”</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="557"/>
        <source>Measuring…</source>
        <translation>测量中…</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="558"/>
        <source>Colour of {0}</source>
        <translation>{0} 的颜色</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="563"/>
        <source>No card found there: {0}</source>
        <translation>该处没有找到色卡：{0}</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="565"/>
        <source>PASS</source>
        <translation>合格</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="565"/>
        <source>FAIL</source>
        <translation>不合格</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="571"/>
        <source>mean ΔE2000 {0:.1f} → {1:.1f}, max {2:.1f}</source>
        <translation>平均 ΔE2000 {0:.1f} → {1:.1f}，最大 {2:.1f}</translation>
    </message>
    <message>
        <location filename="../shoot_view.py" line="590"/>
        <source>Correct {0}</source>
        <translation>校正 {0}</translation>
    </message>
</context>
<context>
    <name>ShootsPage</name>
    <message>
        <location filename="../window.py" line="262"/>
        <source>No shoots in the library yet.</source>
        <translation>图库中还没有拍摄。</translation>
    </message>
    <message>
        <location filename="../window.py" line="263"/>
        <source>Cannot read the library: {0}</source>
        <translation>无法读取图库：{0}</translation>
    </message>
</context>
<context>
    <name>SwatchGrid</name>
    <message>
        <location filename="../colour_view.py" line="95"/>
        <source>No measured card for this shoot</source>
        <translation>本次拍摄没有测量过的色卡</translation>
    </message>
    <message>
        <location filename="../colour_view.py" line="102"/>
        <source>top: reference · bottom left: before · bottom right: after · number: ΔE2000 after · dashed, no number: left out of the fit and the verdict · dotted, ×w: near a limit, counts by w in the fit · *: outside sRGB, measured from the nearest colour an sRGB file holds · dotted, 2ch: a channel at 0, in the fit by its other two only</source>
        <translation>上：标准色 · 左下：校正前 · 右下：校正后 · 数字：校正后 ΔE2000 · 虚线框、无数字：未参与拟合和判定 · 点线框、×w：接近极限，在拟合中按权重 w 计 · *：超出 sRGB 色域，按 sRGB 文件能表示的最接近颜色计 · 点线框、2ch：有通道为 0，仅以其余两个通道参与拟合</translation>
    </message>
</context>
<context>
    <name>Watch</name>
    <message>
        <location filename="../watch.py" line="21"/>
        <source>The drop-folder watcher is not part of this build yet.</source>
        <translation>此版本尚未包含投放文件夹监视功能。</translation>
    </message>
    <message>
        <location filename="../watch.py" line="50"/>
        <source>Choose a library folder first (Settings).</source>
        <translation>请先选择图库文件夹（设置）。</translation>
    </message>
    <message>
        <location filename="../watch.py" line="70"/>
        <source>Watching {0}</source>
        <translation>正在监视 {0}</translation>
    </message>
    <message>
        <location filename="../watch.py" line="78"/>
        <source>Stopped watching</source>
        <translation>已停止监视</translation>
    </message>
</context>
</TS>
